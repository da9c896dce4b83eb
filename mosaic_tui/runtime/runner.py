"""One operator: its workers, its episode, and the events it tells.

The runner owns the env worker process, the players (through the policy mapping that says who
decides for each agent), the current `Episode` and a stepper (`stepping.py`) that knows who
moves. It serves the app (through `Session` and `PlayLoop`), the headless CLI (`batches.py`)
and the tests, and only emits events; whoever listens decides what to draw or record.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mosaic_tui.core import OperatorConfig, OperatorState, SteppingParadigm
from mosaic_tui.core.decisions import DecisionStats
from mosaic_tui.protocol import (
    EpisodeEnd,
    FrameRequest,
    Init,
    Ready,
    Reset,
    StepResult,
)
from mosaic_tui.protocol.dialect import REFERENCE
from mosaic_tui.runtime import command_env
from mosaic_tui.runtime.env_launch import env_worker_process
from mosaic_tui.runtime.env_steps import EnvSteps
from mosaic_tui.runtime.episode import Episode, Table
from mosaic_tui.runtime.events import (
    EpisodeEnded,
    EpisodeStarted,
    FrameDrawn,
    Listener,
    Notice,
    OperatorFailed,
    RunnerEvent,
    StateChanged,
    StepTaken,
)
from mosaic_tui.runtime.frame_pacing import FrameClock
from mosaic_tui.runtime.launcher import LaunchError
from mosaic_tui.runtime.players import (
    HumanKeyboard,
    Player,
    WorkerPlayer,
    make_players,
    seating,
    vision_request,
)
from mosaic_tui.runtime.process import CommandRejected, WorkerError, WorkerProcess
from mosaic_tui.runtime.runner_views import RunnerViews
from mosaic_tui.runtime.spawn import Spawn
from mosaic_tui.runtime.stepping import Simultaneous, Stepper, TurnBased

log = logging.getLogger(__name__)
Seed = int | None | Callable[[], int | None]


@dataclass(frozen=True)
class Timeouts:
    start: float = 60.0  # imports + env construction
    reset: float = 60.0  # first resets may JIT-compile (mosaic-multigrid: ~11 s)
    step: float = 10.0
    decision: float = 30.0


class OperatorRunner(RunnerViews):
    def __init__(
        self,
        config: OperatorConfig,
        *,
        run_id: str | None = None,
        log_dir: Path | None = None,
        frame: FrameRequest | None = None,
        self_drive: bool = True,
        keyboard: HumanKeyboard | None = None,
        timeouts: Timeouts = Timeouts(),
        spawn: Spawn | None = None,
    ) -> None:
        self.config = config
        self.run_id = run_id or config.run_id or config.operator_id
        self._frame = frame
        self.vision = vision_request(config)  # what VLM players are shown (None: none)
        self.timeouts = timeouts
        self.listeners: list[Listener] = []
        self.state = OperatorState.PENDING
        self.log_dir = log_dir
        self.spawn = spawn  # how workers start (None: real subprocesses)
        self.agent = next(iter(config.workers))  # the first (single-agent: the only) player
        self.keyboard = keyboard  # the app's keys for this operator's human players
        # what command workers are given (placeholders, the reference GUI's variables)
        self.commands = command_env.CommandContext(config, self.run_id, log_dir)
        self.players: dict[str, Player] = make_players(
            config.workers,
            self.run_id,
            self_drive=self_drive,
            keyboard=keyboard,
            log_path=self._log_path,
            timeout=timeouts.decision,
            spawn=spawn,
            coordination_level=config.coordination_level,
            context=self.commands,
            host=config.host,
        )
        self.mapping = seating(config, self.players)  # who decides for each agent
        self.env_process = self._env_process()
        self.env: Init | None = None
        self.table = Table(tuple(config.workers), frozenset(self.humans))
        self.now = Episode(to_move=self.agent)  # the current (or last) episode
        self.stepper: Stepper = TurnBased(self)  # replaced once the env says how it steps
        self.episodes_begun = 0  # the runner's own count keys telemetry
        self.began = asyncio.Event()  # set by every reset: a held end is over
        self.decided: dict[str, dict[str, Any]] = {}  # records of the coming step's decisions
        self.thinking: set[str] = set()  # AI players deciding for a while now (`Thinking`)
        self.decision_stats: dict[str, DecisionStats] = {}  # LLM players' answers, this run
        self.pace: float | None = None  # steps per second; None = as fast as possible
        self.frames = FrameClock()  # which steps of a stream ask for their picture
        self.stopped = asyncio.Event()  # set as soon as `stop` begins
        self._lock = asyncio.Lock()  # steps and resets of one runner never overlap
        self.env_steps = EnvSteps(self)  # how steps reach the env (and steps sent ahead)
        # decision workers see observations; the env worker's own baseline needs none
        self.observe = any(isinstance(p, WorkerPlayer) for p in self.players.values())

    # ------------------------------------------------------------------ setup

    def _log_path(self, name: str) -> Path | None:
        if self.log_dir is None:
            return None
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.run_id)
        return self.log_dir / f"{safe}.{name}.log"

    @property
    def frame(self) -> FrameRequest | None:
        """The frame size the operator's pane asks for (None: no frames)."""
        return self._frame

    @property
    def wanted_frame(self) -> FrameRequest | None:
        """The frames to ask the env for: the pane's, and big enough for a VLM player's
        `image_size` (the pane's renderer fits a bigger frame itself)."""
        vision = self.vision
        if vision is None or self._frame is None:
            return vision or self._frame
        return FrameRequest(
            max(vision.width, self._frame.width), max(vision.height, self._frame.height)
        )

    @frame.setter
    def frame(self, request: FrameRequest | None) -> None:
        self._frame = request
        process = getattr(self, "env_process", None)
        if process is not None:  # a reference worker's frames are fitted on arrival
            process.frame = request

    def _env_process(self) -> WorkerProcess:
        if self.config.env_command is not None:
            return command_env.env_process(
                self.commands,
                log_path=self._log_path("env"),
                spawn=self.spawn,
                frame=self.frame,
                on_progress=self.notice,
            )
        process = env_worker_process(
            self.config,
            self.run_id,
            log_path=self._log_path("env"),
            spawn=self.spawn,
            plays=getattr(self.player, "plays", None) if self.self_driving else None,
        )
        process.on_progress = self.notice
        return process

    @property
    def reference_env(self) -> bool:
        """The env worker speaks the reference's dialect: no env description, no streamed
        runs, episodes ended by us at `max_steps` and reset by us."""
        return self.env_process.dialect == REFERENCE

    async def start(self) -> Init:
        async def go() -> Init:
            started = await self.env_process.start(self.timeouts.start)
            init = command_env.described(
                self.config, self.run_id, started, self.env_process.dialect
            )
            self.env = init
            seats = set(init.agents or ["agent"])
            if set(self.players) != seats:
                raise LaunchError(
                    f"{self.config.task} has the players {', '.join(sorted(seats))};"
                    f" the operator assigns {', '.join(sorted(self.players))}"
                    " (give one workers.<player> table per player)"
                )
            paradigm = SteppingParadigm(init.stepping or SteppingParadigm.SINGLE_AGENT)
            self.mapping.paradigm = paradigm
            simultaneous = paradigm is SteppingParadigm.SIMULTANEOUS
            self.table = Table(
                tuple(self.config.workers),
                frozenset(self.humans),
                len(init.action_labels or []),
                simultaneous,
            )
            self.stepper = Simultaneous(self) if simultaneous else TurnBased(self)
            await asyncio.gather(*(p.start(init) for p in self.players.values()))
            return init

        try:
            init = await self.guard(go())
        except BaseException:  # nothing half-started is left running
            await asyncio.gather(
                *(p.stop() for p in self.players.values()),
                self.env_process.stop(grace=0.5),
                return_exceptions=True,
            )
            raise
        self.set_state(OperatorState.PAUSED)
        workers = [self.env_process, *(getattr(p, "process", None) for p in self.players.values())]
        for proc in workers:
            if isinstance(proc, WorkerProcess):
                proc.on_eof = functools.partial(self._worker_gone, proc)
        return init

    def _worker_gone(self, proc: WorkerProcess) -> None:
        """A worker's output ended. A request in flight fails and says why; an operator
        between steps (paused, or its human thinking) would not ask until its next one, so it
        shows the worker's end at once."""
        if self.stopping or self.state is OperatorState.ERROR:
            return
        asyncio.ensure_future(self._ask_gone(proc))

    async def _ask_gone(self, proc: WorkerProcess) -> None:
        if self._lock.locked() and self.human_to_move:
            # the step in hand waits for a human's key, which may be a long time coming;
            # nothing is asked of the worker until then, so say it at once (the failure
            # stops the operator, and that withdraws the question)
            await self._report_gone(proc)
            return
        async with self._lock:  # after the step in flight, which reports it itself
            await self._report_gone(proc)

    async def _report_gone(self, proc: WorkerProcess) -> None:
        if self.stopping or self.state is OperatorState.ERROR:
            return
        error = await proc.ended_unasked()
        if not self.stopping and self.state is not OperatorState.ERROR:
            self._failed(error)

    # ------------------------------------------------------------------ telling

    def emit(self, event: RunnerEvent) -> None:
        """Tell every listener; one that raises is detached and reported, the run goes on."""
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception as exc:  # a listener bug or a locked database must not stop us
                log.exception("listener %r failed", listener)
                self.listeners.remove(listener)
                name = getattr(listener, "__qualname__", type(listener).__name__)
                self.notice(f"{name} stopped after an error: {type(exc).__name__}: {exc}")

    def tell(self, kind: type[RunnerEvent], **fields: Any) -> None:
        """Emit an event of this operator (its ids filled in)."""
        self.emit(kind(self.config.operator_id, self.run_id, **fields))

    def notice(self, message: str, *, session_wide: bool = False) -> None:
        """Something the user should know that does not stop the operator."""
        self.tell(Notice, message=message, session_wide=session_wide)

    def set_state(self, state: OperatorState, detail: str | None = None) -> None:
        self.state = state
        self.emit(
            StateChanged(self.config.operator_id, self.run_id, state=state.value, detail=detail)
        )

    async def guard(self, coro: Any) -> Any:
        """Run a worker call; on failure report it once, mark the operator, re-raise."""
        try:
            return await coro
        except CommandRejected as rejected:
            process = rejected.process or self.env_process  # whoever refused, not always the env
            exc = WorkerError(
                f"{process.name} refused a command: {rejected.error.message}",
                worker=process.name,
                log_path=process.log_path,
                log_tail=process.log_tail(),
            )
            self._failed(exc)
            raise exc from rejected
        except WorkerError as exc:
            if not self.stopping:
                self._failed(exc)
            raise

    def _failed(self, exc: WorkerError) -> None:
        """Mark the operator failed and say why, once (a dead worker can be found out by
        `_worker_gone` and by a request alike)."""
        if self.state is OperatorState.ERROR:
            return
        self.set_state(OperatorState.ERROR, exc.summary)
        self.emit(
            OperatorFailed(
                self.config.operator_id,
                self.run_id,
                message=str(exc),
                log_path=exc.log_path,
                log_tail=exc.log_tail,
            )
        )

    # ------------------------------------------------------------------ episodes

    async def reset(self, seed: Seed, *, only_if_over: bool = False) -> EpisodeStarted | None:
        """Start an episode. `seed` may be a function, called once the runner is free, so a
        seed that depends on how many episodes began is computed from the true count."""
        async with self._lock:
            await self.env_steps.take_ahead()
            if only_if_over and not self.episode_over:
                return None
            chosen = seed() if callable(seed) else seed

            async def go() -> Ready:
                ready = await self.env_process.request(
                    Reset(
                        seed=chosen,
                        max_steps=self.config.max_steps,
                        frame=self.wanted_frame,
                        auto_reset=False,
                        observe=self.observe,
                    ),
                    Ready,
                    self.timeouts.reset,
                )
                await self.mapping.reset(chosen)
                return ready

            return self.begin(await self.guard(go()))

    def begin(self, ready: Ready) -> EpisodeStarted:
        """A new episode from the env's `ready` (a reset, or a streamed run's next episode)."""
        self.now = Episode.begin(ready, self.table, index=self.episodes_begun, at=time.time())
        self.episodes_begun += 1
        self.began.set()
        if ready.frame is not None:
            self.env_steps.frame_behind = False
        event = EpisodeStarted(
            self.config.operator_id,
            self.run_id,
            episode=self.now.index,
            seed=ready.seed,
            at=self.now.started_at,
            frame=ready.frame,
            board=ready.board,
        )
        self.emit(event)
        return event

    async def step(self, action: Any = None, *, ahead: bool = False) -> StepTaken | None:
        """One env step; the players decide unless `action` is given (a key already pressed).

        Returns None, having done nothing, when the episode is already over or a human's
        pending decision was withdrawn (pause, reset). Steps and resets never overlap.
        `ahead`: the caller steps again at once (see `send_step`).
        """
        async with self._lock:
            if self.episode_over:
                return None
            return await self.stepper.step(action, ahead)

    async def send_step(
        self, action: Any, actions: dict[str, Any] | None = None, *, ahead: bool = False
    ) -> StepTaken | None:
        """Send the chosen action(s) to the env (`env_steps.py`; `ahead`: the caller steps
        again at once, so a self-driving env may be sent its next step now)."""
        return await self.env_steps.send(action, actions, ahead=ahead)

    @property
    def frames_skippable(self) -> bool:
        return self.env_steps.skippable

    async def catch_up_frame(self) -> FrameDrawn | None:
        """Show the current state if the last steps of a stream left their pictures out."""
        async with self._lock:
            return await self.env_steps.catch_up_frame()

    def note_decision(self, agent: str) -> None:
        """Keep what the agent's decision worker asked to record, for the coming step."""
        record = getattr(self.players.get(agent), "last_record", None)
        if record:
            self.decided[agent] = record

    def stepped(self, result: StepResult) -> StepTaken:
        mover = self.now.advance(result, self.table)
        event = StepTaken(
            self.config.operator_id,
            self.run_id,
            episode=self.now.index,
            step_index=result.step_index,
            agent=mover,
            action=result.action,
            reward=result.reward,
            terminated=result.terminated,
            truncated=result.truncated,
            episode_return=result.episode_return,
            frame=result.frame,
            rewards=result.rewards,
            action_label=self.label(result.action) if self.labels_cover(result.action) else None,
            board=result.board,
            actions=result.actions,
            decisions=self.decided or None,
        )
        for agent, record in self.decided.items():
            if "replies" in record:  # a model's answer (an RL player's record is not one)
                self.decision_stats.setdefault(agent, DecisionStats()).add(record)
        self.decided = {}
        self.emit(event)
        return event

    def ended(self, end: EpisodeEnd) -> EpisodeEnded:
        event = EpisodeEnded(
            self.config.operator_id,
            self.run_id,
            episode=self.now.index,
            seed=end.seed,
            total_reward=end.total_reward,
            length=end.episode_length,
            terminated=end.terminated,
            truncated=end.truncated,
            started_at=self.now.started_at,
            ended_at=time.time(),
            rewards=end.rewards,
        )
        self.now.finish(event)
        self.emit(event)
        return event

    async def run_episodes(
        self, seeds: Sequence[int | None], *, stream: bool = True, collect: bool = True
    ) -> list[EpisodeEnded]:
        """Whole episodes, one per seed (see `batches.run_episodes`)."""
        from mosaic_tui.runtime.batches import run_episodes

        return await run_episodes(self, seeds, stream=stream, collect=collect)

    async def stop(self) -> None:
        """Stop every worker of this operator (stop -> terminate -> kill)."""
        self.stopped.set()
        if self.keyboard is not None:
            self.keyboard.withdraw()
        await asyncio.gather(
            *(p.stop() for p in self.players.values()),
            self.env_process.stop(),
            return_exceptions=True,
        )
        if self.state is not OperatorState.ERROR:
            self.set_state(OperatorState.STOPPED)

    @property
    def stopping(self) -> bool:
        return self.stopped.is_set()
