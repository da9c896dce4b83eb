"""The operators on screen now: one shared seed, stepped together or run at a pace.

A failing operator is marked and skipped; the others go on. Human players get their actions
from `press`: a key either answers a decision someone is waiting for, or (when nothing is
running) steps that operator at once — play is turn-based.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mosaic_tui.core import MultiOperatorService, OperatorConfig, OperatorState
from mosaic_tui.protocol import FrameRequest
from mosaic_tui.runtime.events import Listener, RunnerEvent
from mosaic_tui.runtime.launcher import LaunchError
from mosaic_tui.runtime.players import Decision, HumanPlayer
from mosaic_tui.runtime.process import WorkerError
from mosaic_tui.runtime.runner import OperatorRunner


class HumanKeyboard:
    """The awaitable a human player's decisions come from."""

    def __init__(self) -> None:
        self.decision: Decision | None = None  # what the pane should prompt for
        self._waiting: asyncio.Future[int] | None = None

    @property
    def waiting(self) -> bool:
        return self._waiting is not None and not self._waiting.done()

    async def __call__(self, decision: Decision) -> int:
        self.decision = decision
        return await self.next_key()

    async def next_key(self) -> int:
        self._waiting = asyncio.get_running_loop().create_future()
        try:
            return await self._waiting
        finally:
            self._waiting = None

    def press(self, action: int) -> bool:
        """Deliver a key; False if nobody is waiting for one."""
        if not self.waiting:
            return False
        assert self._waiting is not None
        self._waiting.set_result(action)
        return True

    def cancel(self) -> None:
        if self.waiting:
            assert self._waiting is not None
            self._waiting.cancel()


class Session:
    def __init__(self, *, log_dir: Path | None = None, seed: int = 0, pace: float = 10.0) -> None:
        self.log_dir = log_dir
        self.seed = seed
        self._pace = pace
        self.service = MultiOperatorService()
        self.runners: dict[str, OperatorRunner] = {}
        self.keyboards: dict[str, HumanKeyboard] = {}
        self.listeners: list[Listener] = []
        # Called for each new run (e.g. to start recording it); may return a listener for it.
        self.on_new_run: Callable[[OperatorConfig, str], Listener | None] | None = None
        self.running = False
        self._loops: dict[str, asyncio.Task[None]] = {}
        self._base: dict[str, int] = {}  # episodes begun when the shared seed was last set
        self._ready: set[str] = set()  # started and in their first episode

    # ------------------------------------------------------------------ operators

    def _emit(self, event: RunnerEvent) -> None:
        for listener in self.listeners:
            listener(event)
        if event.operator_id in self.service.get_operator_ids():
            state = getattr(event, "state", None)
            if state is not None:
                self.service.set_operator_state(event.operator_id, state)

    async def add(
        self, config: OperatorConfig, frame: FrameRequest | None = None
    ) -> OperatorRunner:
        """Start an operator's workers and its first episode with the session's seed.

        Raises LaunchError (bad config) or WorkerError (the worker failed to start); the
        operator stays listed, in the error state, so the user can read why and edit it.
        """
        self.service.add_operator(config)
        run_id = self.service.new_run_id(config.operator_id)
        self.service.assign_run_id(config.operator_id, run_id)
        config = self.service.get_operator(config.operator_id) or config
        keyboard = HumanKeyboard()
        runner = OperatorRunner(
            config, run_id=run_id, log_dir=self.log_dir, frame=frame, human_input=keyboard
        )
        runner.pace = self._pace
        if self.on_new_run is not None:
            listener = self.on_new_run(config, run_id)
            if listener is not None:
                runner.listeners.append(listener)
        runner.listeners.append(self._emit)
        self.runners[config.operator_id] = runner
        self.keyboards[config.operator_id] = keyboard
        await runner.start()
        self._base[config.operator_id] = runner.episodes_begun
        await runner.reset(self.next_seed(config.operator_id))
        self._ready.add(config.operator_id)
        if self.running:
            self._start_loop(config.operator_id)
        return runner

    async def remove(self, operator_id: str) -> None:
        self._ready.discard(operator_id)  # no new steps from step_all / run
        runner = self.runners.get(operator_id)
        loop = self._loops.pop(operator_id, None)
        if runner is not None:
            await runner.stop()
        if loop is not None:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError, WorkerError, RuntimeError):
                await loop
        self.runners.pop(operator_id, None)  # gone from the session once its workers are
        self.keyboards.pop(operator_id, None)
        if operator_id in self.service.get_operator_ids():
            self.service.remove_operator(operator_id)

    async def replace(self, config: OperatorConfig, frame: FrameRequest | None = None) -> None:
        """Apply an edited config: the old workers stop, new ones start (same id)."""
        await self.remove(config.operator_id)
        await self.add(config, frame)

    def healthy(self) -> list[OperatorRunner]:
        """Operators that finished starting and have not failed."""
        return [
            r
            for op, r in self.runners.items()
            if op in self._ready and r.state is not OperatorState.ERROR
        ]

    # ------------------------------------------------------------------ controls

    @property
    def pace(self) -> float:
        return self._pace

    @pace.setter
    def pace(self, steps_per_second: float) -> None:
        self._pace = max(0.5, min(steps_per_second, 240.0))
        for runner in self.runners.values():
            runner.pace = self._pace

    def set_frame(self, operator_id: str, frame: FrameRequest) -> None:
        """The pane's pixel size changed; the next frame comes at that size."""
        if operator_id in self.runners:
            self.runners[operator_id].frame = frame

    def next_seed(self, operator_id: str) -> int:
        """The shared seed plus the episodes since it was set (an operator's own seed wins)."""
        runner = self.runners[operator_id]
        first = runner.config.seed if runner.config.seed is not None else self.seed
        return first + runner.episodes_begun - self._base.get(operator_id, 0)

    async def reset_all(self, seed: int | None = None) -> None:
        """Every operator starts a new episode with the same seed."""
        if seed is not None:
            self.seed = seed
        for keyboard in self.keyboards.values():
            keyboard.cancel()
        runners = self.healthy()
        for runner in runners:
            self._base[runner.config.operator_id] = runner.episodes_begun
        await self._each(runners, lambda r: r.reset(self.next_seed(r.config.operator_id)))

    async def step_all(self) -> None:
        """One step of every operator: first every human's key, then all steps together."""
        runners = self.healthy()
        actions: dict[str, Any] = {}
        for runner in runners:
            op = runner.config.operator_id
            if runner.episode_over:
                continue
            keyboard = self.keyboards[op]
            if isinstance(runner.player, HumanPlayer):
                keyboard.decision = Decision(
                    runner.agent, runner.step_index, runner.labels, runner.action_mask
                )
                actions[op] = await keyboard.next_key()

        async def one(runner: OperatorRunner) -> None:
            op = runner.config.operator_id
            if runner.episode_over:
                await runner.reset(self.next_seed(op))
            else:
                await runner.step(actions.get(op))

        await self._each(runners, one)

    async def press(self, operator_id: str, action: int) -> str | None:
        """A human's key for this operator; returns why it was refused, or None."""
        runner = self.runners.get(operator_id)
        if runner is None or runner.state is OperatorState.ERROR:
            return "this operator is not running"
        mask = runner.action_mask
        if mask is not None and not mask[action]:
            return f"{runner.labels[action]} is not allowed now"
        if self.keyboards[operator_id].press(action):
            return None
        if self.running and operator_id in self._loops:
            return None  # the play loop will ask for the next key itself
        try:
            if runner.episode_over:
                await runner.reset(self.next_seed(operator_id))
            else:
                await runner.step(action)
        except WorkerError as exc:
            return exc.summary
        return None

    def run(self) -> None:
        self.running = True
        for op in list(self.runners):
            self._start_loop(op)

    def pause(self) -> None:
        self.running = False
        for runner in self.runners.values():
            if runner.state is not OperatorState.ERROR:
                runner.pause()

    def _start_loop(self, operator_id: str) -> None:
        runner = self.runners[operator_id]
        if runner.state is OperatorState.ERROR or operator_id not in self._ready:
            return  # still starting: `add` starts its loop once the first episode began
        if operator_id not in self._loops or self._loops[operator_id].done():
            self._loops[operator_id] = asyncio.create_task(
                self._play(runner), name=f"play-{operator_id}"
            )
        runner.resume()

    async def _play(self, runner: OperatorRunner) -> None:
        op = runner.config.operator_id
        with contextlib.suppress(WorkerError, LaunchError):
            await runner.play(lambda _: self.next_seed(op))

    async def stop_all(self) -> None:
        """Stop every worker; safe to call twice."""
        self.running = False
        for keyboard in self.keyboards.values():
            keyboard.cancel()
        await asyncio.gather(*(r.stop() for r in self.runners.values()), return_exceptions=True)
        for task in self._loops.values():
            task.cancel()
        await asyncio.gather(*self._loops.values(), return_exceptions=True)
        self._loops.clear()

    @staticmethod
    async def _each(runners: list[OperatorRunner], fn: Any) -> None:
        """Run fn on every runner at once; a failing operator is already marked by its runner."""
        results = await asyncio.gather(*(fn(r) for r in runners), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, WorkerError):
                raise result
