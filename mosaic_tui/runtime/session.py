"""The operators on screen now: one shared seed, stepped together or run at a pace.

A failing operator is marked and skipped; the others go on. Human players get their actions
from `press`: a key either answers a decision someone is waiting for, or (when nothing is
running) steps that operator at once — play is turn-based. An operator with a human keeps a
finished episode on screen; the human's next key (`next_episode`) begins the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mosaic_tui.core import MultiOperatorService, OperatorConfig, OperatorState
from mosaic_tui.protocol import FrameRequest
from mosaic_tui.runtime.events import Listener, Notice, RunnerEvent
from mosaic_tui.runtime.launcher import LaunchError
from mosaic_tui.runtime.players import Decision, DecisionWithdrawn, HumanKeyboard
from mosaic_tui.runtime.process import WorkerError
from mosaic_tui.runtime.runner import OperatorRunner

log = logging.getLogger(__name__)

# The paces `+` and `-` step through, in steps per second; None is as fast as it goes.
PACES: tuple[float | None, ...] = (1, 2, 5, 10, 20, 30, 60, None)


class Session:
    def __init__(
        self, *, log_dir: Path | None = None, seed: int = 0, pace: float | None = 10.0
    ) -> None:
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
        runner = OperatorRunner(  # raises LaunchError for a config that cannot run
            config, run_id=run_id, log_dir=self.log_dir, frame=frame, human_input=keyboard
        )
        runner.pace = self._pace
        if self.on_new_run is not None:
            try:
                listener = self.on_new_run(config, run_id)
            except Exception as exc:  # e.g. the results database is locked: run unrecorded
                log.exception("could not start recording %s", run_id)
                listener = None
                self._emit(
                    Notice(config.operator_id, run_id, f"not recorded: {type(exc).__name__}: {exc}")
                )
            if listener is not None:
                runner.listeners.append(listener)
        runner.listeners.append(self._emit)
        op = config.operator_id
        self.runners[op] = runner
        self.keyboards[op] = keyboard
        await runner.start()
        self._check_still_wanted(runner)
        self._base[op] = runner.episodes_begun
        await runner.reset(lambda: self.next_seed(op))
        self._check_still_wanted(runner)
        self._ready.add(op)
        if self.running:
            self._start_loop(config.operator_id)
        return runner

    def _check_still_wanted(self, runner: OperatorRunner) -> None:
        """Removed (or replaced) while it was starting: its workers must not outlive that."""
        if self.runners.get(runner.config.operator_id) is not runner:
            asyncio.ensure_future(runner.stop())
            raise LaunchError(f"{runner.config.operator_id} was removed while it was starting")

    async def remove(self, operator_id: str) -> None:
        self._ready.discard(operator_id)  # no new steps from step_all / run
        if operator_id in self.keyboards:
            self.keyboards[operator_id].withdraw()
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
    def pace(self) -> float | None:
        """Steps per second while running; None runs as fast as the workers go."""
        return self._pace

    @pace.setter
    def pace(self, steps_per_second: float | None) -> None:
        self._pace = None if steps_per_second is None else max(0.5, min(steps_per_second, 240.0))
        for runner in self.runners.values():
            runner.pace = self._pace

    def faster(self) -> bool:
        """One rung up the pace ladder; False when already at the top (as fast as it goes)."""
        if self._pace is None:
            return False
        self.pace = next((p for p in PACES[:-1] if p > self._pace), None)
        return True

    def slower(self) -> bool:
        """One rung down the pace ladder; False when already at the bottom."""
        if self._pace is None:
            self.pace = PACES[-2]
            return True
        lower = [p for p in PACES[:-1] if p < self._pace]
        if not lower:
            return False
        self.pace = lower[-1]
        return True

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
            keyboard.withdraw()

        def shared(runner: OperatorRunner) -> Callable[[], int]:
            def seed_now() -> int:  # runs under the runner's lock: no reset can slip between
                self._base[runner.config.operator_id] = runner.episodes_begun
                return self.next_seed(runner.config.operator_id)

            return seed_now

        await self._each(self.healthy(), lambda r: r.reset(shared(r)))

    async def step_all(self) -> None:
        """One step of every operator: first every human's key, then all steps together.

        Running play loops are paused first and allowed to finish the step they are in, so
        no key is taken twice and no step happens behind this one's back.
        """
        if self.running:
            self.pause()
        runners = self.healthy()
        await asyncio.gather(*(r.parked() for r in runners))
        actions: dict[str, Any] = {}
        asked: set[str] = set()  # operators whose next step needs a human's key
        for runner in runners:
            op = runner.config.operator_id
            if runner.episode_over:
                continue
            keyboard = self.keyboards[op]
            if runner.human_to_move:
                asked.add(op)
                keyboard.decision = Decision(
                    runner.to_move, runner.step_index, runner.labels, runner.action_mask
                )
                try:
                    actions[op] = await keyboard.next_key()
                except DecisionWithdrawn:  # removed, reset or paused meanwhile: not this time
                    continue

        async def one(runner: OperatorRunner) -> None:
            op = runner.config.operator_id
            if op not in self._ready or op in asked and op not in actions:
                return  # removed meanwhile, or its human's question was withdrawn
            if runner.episode_over:
                await runner.reset(lambda: self.next_seed(op), only_if_over=True)
            else:
                await runner.step(actions.get(op))

        await self._each(runners, one)

    async def press(self, operator_id: str, action: int) -> str | None:
        """A human's key for this operator; returns why it was refused, or None."""
        runner = self.runners.get(operator_id)
        if runner is None or runner.state is OperatorState.ERROR:
            return "this operator is not running"
        keyboard = self.keyboards[operator_id]
        loop = self._loops.get(operator_id)
        looping = self.running and loop is not None and not loop.done()
        if runner.episode_over:
            # the finished episode was on screen until this key: begin the next one (a
            # running play loop was holding for it and goes on by itself)
            return await self.next_episode(operator_id)
        try:
            if not runner.human_to_move:
                return f"it is {runner.to_move}'s move"
            if not runner.legal_now(action):
                return f"{runner.name_of(action)} is not allowed now"
            if keyboard.press(action):
                return None
            if looping:
                keyboard.hold(action)  # the play loop takes it when it next asks
                return None
            await runner.step(action)
            await self._answer(runner)
        except WorkerError as exc:
            return exc.summary
        return None

    async def next_episode(self, operator_id: str) -> str | None:
        """The human saw how the episode ended and goes on: begin the next one (nothing if
        it already began). Returns why it was refused, or None."""
        runner = self.runners.get(operator_id)
        if runner is None or runner.state is OperatorState.ERROR:
            return "this operator is not running"
        if not runner.episode_over:
            return None
        loop = self._loops.get(operator_id)
        try:
            await runner.reset(lambda: self.next_seed(operator_id), only_if_over=True)
            if not (self.running and loop is not None and not loop.done()):
                await self._answer(runner)  # paused: an AI who moves first does so now
        except WorkerError as exc:
            return exc.summary
        return None

    @staticmethod
    async def _answer(runner: OperatorRunner) -> None:
        """Turn-based: the AI players move until it is a human's move again (in a
        simultaneous game they already chose with the human)."""
        while not runner.simultaneous and not runner.episode_over and not runner.human_to_move:
            if await runner.step() is None:
                break

    def run(self) -> None:
        self.running = True
        for op in list(self.runners):
            self._start_loop(op)

    def pause(self) -> None:
        self.running = False
        for runner in self.runners.values():
            if runner.state is not OperatorState.ERROR:
                runner.pause()
        for keyboard in self.keyboards.values():
            keyboard.withdraw()  # a play loop waiting for a key parks instead

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
            keyboard.withdraw()
        await asyncio.gather(*(r.stop() for r in self.runners.values()), return_exceptions=True)
        for task in self._loops.values():
            task.cancel()
        await asyncio.gather(*self._loops.values(), return_exceptions=True)
        self._loops.clear()

    @staticmethod
    async def _each(runners: list[OperatorRunner], fn: Any) -> None:
        """Run fn on every runner at once. A failing operator is marked by its own runner;
        anything else is logged, so one operator's trouble never stops the others."""
        results = await asyncio.gather(*(fn(r) for r in runners), return_exceptions=True)
        for runner, result in zip(runners, results, strict=True):
            if isinstance(result, asyncio.CancelledError):
                raise result
            if isinstance(result, Exception) and not isinstance(result, WorkerError):
                log.error("%s: %s", runner.config.operator_id, result, exc_info=result)
