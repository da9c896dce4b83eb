"""One operator's episode loop: reset with a seed, collect the action, step, keep the books.

The same runner serves the app (step / run / pause at a pace), the headless CLI (whole
episodes streamed from a self-driving worker) and the tests. It only emits events; whoever
listens decides what to draw or record.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mosaic_tui.core import OperatorConfig, OperatorState
from mosaic_tui.protocol import (
    EpisodeEnd,
    FrameRequest,
    Init,
    Ready,
    Reset,
    Run,
    RunEnd,
    Step,
    StepResult,
)
from mosaic_tui.runtime.events import (
    EpisodeEnded,
    EpisodeStarted,
    Listener,
    OperatorFailed,
    RunnerEvent,
    StateChanged,
    StepTaken,
)
from mosaic_tui.runtime.launcher import LaunchError, worker
from mosaic_tui.runtime.players import Decision, HumanInput, Player, make_player
from mosaic_tui.runtime.process import CommandRejected, WorkerError, WorkerProcess


@dataclass(frozen=True)
class Timeouts:
    start: float = 60.0  # imports + env construction
    reset: float = 60.0  # first resets may JIT-compile (mosaic-multigrid: ~11 s)
    step: float = 10.0
    decision: float = 30.0


class OperatorRunner:
    def __init__(
        self,
        config: OperatorConfig,
        *,
        run_id: str | None = None,
        log_dir: Path | None = None,
        frame: FrameRequest | None = None,
        self_drive: bool = True,
        human_input: HumanInput | None = None,
        timeouts: Timeouts = Timeouts(),
    ) -> None:
        if config.is_multiagent:
            raise LaunchError(
                f"{config.operator_id}: multi-agent operators are not supported by"
                " this version's runner yet (single-agent tasks only)"
            )
        self.config = config
        self.run_id = run_id or config.run_id or config.operator_id
        self.frame = frame
        self.timeouts = timeouts
        self.listeners: list[Listener] = []
        self.state = OperatorState.PENDING
        self.log_dir = log_dir
        agent, assignment = next(iter(config.workers.items()))
        self.agent = agent
        self.player: Player = make_player(
            agent,
            assignment,
            self.run_id,
            self_drive=self_drive,
            human_input=human_input,
            log_path=self._log_path(agent),
            timeout=timeouts.decision,
        )
        self.env_process = self._env_process(assignment.settings.get("behavior", "random"))
        self.env: Init | None = None
        # episode bookkeeping (the runner's own count keys telemetry)
        self.episodes_begun = 0
        self.episode = -1
        self.seed: int | None = None
        self.step_index = 0
        self.episode_return = 0.0
        self.episode_over = True
        self._started_at = 0.0
        self._mask: list[int] | None = None
        # play loop controls
        self.pace: float | None = None  # steps per second; None = as fast as possible
        self._running = asyncio.Event()
        self._stopping = False
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------------ setup

    def _log_path(self, name: str) -> Path | None:
        if self.log_dir is None:
            return None
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.run_id)
        return self.log_dir / f"{safe}.{name}.log"

    def _env_process(self, behavior: str) -> WorkerProcess:
        definition = worker("env_worker")
        settings: dict[str, Any] = {"env_settings": self.config.env_settings or None}
        if self.player.self_driving:
            settings["policy"] = behavior
        argv, env = definition.command(self.run_id, settings, env_id=self.config.task)
        return WorkerProcess(
            argv, name=f"env_worker[{self.config.task}]", log_path=self._log_path("env"), env=env
        )

    def emit(self, event: RunnerEvent) -> None:
        for listener in self.listeners:
            listener(event)

    def set_state(self, state: OperatorState, detail: str | None = None) -> None:
        self.state = state
        self.emit(StateChanged(self.config.operator_id, self.run_id, state.value, detail))

    async def _guard(self, coro: Any) -> Any:
        """Run a worker call; on failure report it once, mark the operator, re-raise."""
        try:
            return await coro
        except CommandRejected as rejected:
            name = self.env_process.name
            exc = WorkerError(
                f"{name} refused a command: {rejected.error.message}",
                worker=name,
                log_path=self.env_process.log_path,
                log_tail=self.env_process.log_tail(),
            )
            self.set_state(OperatorState.ERROR, exc.summary)
            self.emit(
                OperatorFailed(
                    self.config.operator_id, self.run_id, str(exc), exc.log_path, exc.log_tail
                )
            )
            raise exc from rejected
        except WorkerError as exc:
            if self._stopping:
                raise
            self.set_state(OperatorState.ERROR, exc.summary)
            self.emit(
                OperatorFailed(
                    self.config.operator_id, self.run_id, str(exc), exc.log_path, exc.log_tail
                )
            )
            raise

    async def start(self) -> Init:
        async def go() -> Init:
            init = await self.env_process.start(self.timeouts.start)
            assert init is not None
            self.env = init
            await self.player.start(init)
            return init

        init = await self._guard(go())
        self.set_state(OperatorState.PAUSED)
        return init

    # ------------------------------------------------------------------ stepping

    async def reset(self, seed: int | None) -> EpisodeStarted:
        async with self._lock:
            return await self._reset(seed)

    async def _reset(self, seed: int | None) -> EpisodeStarted:
        async def go() -> Ready:
            ready = await self.env_process.request(
                Reset(
                    seed=seed, max_steps=self.config.max_steps, frame=self.frame, auto_reset=False
                ),
                ("ready",),
                self.timeouts.reset,
            )
            await self.player.reset(seed)
            return ready  # type: ignore[return-value]

        return self._begin(await self._guard(go()))

    def _begin(self, ready: Ready) -> EpisodeStarted:
        self.episode = self.episodes_begun
        self.episodes_begun += 1
        self.seed = ready.seed
        self.step_index = 0
        self.episode_return = 0.0
        self.episode_over = False
        self._mask = ready.action_mask
        self._started_at = time.time()
        event = EpisodeStarted(
            self.config.operator_id,
            self.run_id,
            self.episode,
            ready.seed,
            self._started_at,
            ready.frame,
        )
        self.emit(event)
        return event

    @property
    def labels(self) -> list[str]:
        return (self.env.action_labels or []) if self.env else []

    @property
    def action_mask(self) -> list[int] | None:
        """Which actions are legal now (None: all of them)."""
        return self._mask

    async def step(self, action: Any = None) -> StepTaken:
        """One env step; the player decides unless `action` is given (a key already pressed).

        Ends the episode if the env says so. Steps and resets of one runner never overlap.
        """
        async with self._lock:
            return await self._step(action)

    async def _step(self, given: Any) -> StepTaken:
        if self.episode_over:
            raise RuntimeError(f"{self.config.operator_id}: reset before stepping")

        async def go() -> tuple[StepResult, EpisodeEnd | None]:
            action = given
            if action is None:
                action = await self.player.decide(
                    Decision(self.agent, self.step_index, self.labels, self._mask)
                )
            result = await self.env_process.request(
                Step(action=action, frame=self.frame), ("step",), self.timeouts.step
            )
            end = None
            if result.terminated or result.truncated:  # type: ignore[attr-defined]
                end = await self.env_process.next_event(
                    self.timeouts.step, waiting_for="episode_end"
                )
            return result, end  # type: ignore[return-value]

        result, end = await self._guard(go())
        taken = self._stepped(result)
        if isinstance(end, EpisodeEnd):
            self._ended(end)
        return taken

    def _stepped(self, result: StepResult) -> StepTaken:
        self.step_index = result.step_index
        self.episode_return = result.episode_return
        self._mask = result.action_mask
        labels = self.env.action_labels if self.env else None
        label = (
            labels[result.action]
            if labels and isinstance(result.action, int) and 0 <= result.action < len(labels)
            else None
        )
        event = StepTaken(
            self.config.operator_id,
            self.run_id,
            self.episode,
            result.step_index,
            self.agent,
            result.action,
            result.reward,
            result.terminated,
            result.truncated,
            result.episode_return,
            result.frame,
            result.rewards,
            label,
        )
        self.emit(event)
        return event

    def _ended(self, end: EpisodeEnd) -> EpisodeEnded:
        self.episode_over = True
        event = EpisodeEnded(
            self.config.operator_id,
            self.run_id,
            self.episode,
            end.seed,
            end.total_reward,
            end.episode_length,
            end.terminated,
            end.truncated,
            self._started_at,
            time.time(),
            end.rewards,
        )
        self.emit(event)
        return event

    async def run_episodes(
        self, seeds: Sequence[int | None], *, stream: bool = True
    ) -> list[EpisodeEnded]:
        """Whole episodes, one per seed. A self-driving player streams them in one request."""
        ended: list[EpisodeEnded] = []
        catch: Callable[[RunnerEvent], None] = lambda e: (
            ended.append(e)
            if isinstance(  # noqa: E731
                e, EpisodeEnded
            )
            else None
        )
        self.listeners.append(catch)
        self.set_state(OperatorState.RUNNING)
        try:
            if stream and self.player.self_driving and all(s is not None for s in seeds):
                await self._guard(self._stream(list(seeds)))  # type: ignore[arg-type]
            else:
                for seed in seeds:
                    await self.reset(seed)
                    while not self.episode_over and not self._stopping:
                        await self.step()
                    if self._stopping:
                        break
        except WorkerError:
            if not self._stopping:
                raise
        finally:
            self.listeners.remove(catch)
        if self.state is OperatorState.RUNNING:
            self.set_state(OperatorState.PAUSED)
        return ended

    async def _stream(self, seeds: list[int]) -> None:
        proc = self.env_process
        await proc.send(Run(episodes=len(seeds), seeds=seeds, max_steps=self.config.max_steps))
        while True:
            event = await proc.next_event(self.timeouts.reset, waiting_for="the next streamed step")
            if isinstance(event, StepResult):
                self._stepped(event)
            elif isinstance(event, EpisodeEnd):
                self._ended(event)
            elif isinstance(event, Ready):
                self._begin(event)
            elif isinstance(event, RunEnd):
                return
            elif event.kind == "error":
                raise proc.error(f"{proc.name}: {getattr(event, 'message', event)}")

    # ------------------------------------------------------------------ play loop (app)

    def resume(self) -> None:
        self._running.set()
        self.set_state(OperatorState.RUNNING)

    def pause(self) -> None:
        self._running.clear()
        self.set_state(OperatorState.PAUSED)

    async def play(self, next_seed: Callable[[int], int | None]) -> None:
        """Step while running, at `pace`; start the next episode (seed from `next_seed(i)`)."""
        due = time.monotonic()
        while not self._stopping:
            if not self._running.is_set():
                await self._running.wait()
                due = time.monotonic()  # after a pause, no burst to catch up
            if self.episode_over:
                await self.reset(next_seed(self.episodes_begun))
                continue
            await self.step()
            if self.pace:
                # keep to the schedule (a late step shortens the next wait), never burst
                due = max(due + 1.0 / self.pace, time.monotonic() - 1.0 / self.pace)
                await asyncio.sleep(max(0.0, due - time.monotonic()))

    async def stop(self) -> None:
        """Stop every worker of this operator (stop -> terminate -> kill)."""
        self._stopping = True
        self._running.set()  # release a paused play loop so it can see the stop
        await asyncio.gather(self.player.stop(), self.env_process.stop(), return_exceptions=True)
        if self.state is not OperatorState.ERROR:
            self.set_state(OperatorState.STOPPED)
