"""The operators on screen now: one shared seed, stepped together or run at a pace.

`Session.operators` is the one registry: an `Entry` per operator the user added, from the
moment it is added (starting) to its removal, with its config, its `Seat` once its workers
are built (runner, play loop, seed base) and why it stopped, if it did. A failing operator is
marked and skipped; the others go on. What a human's key
does is the runner's stepper's business (`stepping.py`); the session finds the operator.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mosaic_tui.core import OperatorConfig, OperatorState, RunIds
from mosaic_tui.protocol import FrameRequest
from mosaic_tui.runtime import paces
from mosaic_tui.runtime.events import Listener, Notice, OperatorFailed, RunnerEvent
from mosaic_tui.runtime.keyboard import DecisionWithdrawn, HumanKeyboard
from mosaic_tui.runtime.launcher import LaunchError
from mosaic_tui.runtime.play_loop import PlayLoop
from mosaic_tui.runtime.process import WorkerError
from mosaic_tui.runtime.runner import OperatorRunner
from mosaic_tui.runtime.seats import Entry, Seat
from mosaic_tui.runtime.spawn import Spawn
from mosaic_tui.runtime.stepping import NO_KEY

log = logging.getLogger(__name__)


class Session:
    def __init__(
        self,
        *,
        log_dir: Path | None = None,
        seed: int = 0,
        pace: float | None = 10.0,
        spawn: Spawn | None = None,
    ) -> None:
        self.log_dir = log_dir
        self.spawn = spawn  # how workers start (None: real subprocesses)
        self.seed = seed
        self._pace = pace
        self._frame_every = 0.0
        self.operators: dict[str, Entry] = {}
        self.run_ids = RunIds()
        self.listeners: list[Listener] = []
        # Called for each new run (e.g. to start recording it); may return a listener for it.
        self.on_new_run: Callable[[OperatorConfig, str], Listener | None] | None = None
        self.running = False
        self.fixed = False  # every episode on the shared seed (environment_mode = "fixed")
        #: The file's seeds, one per planned episode: each operator plays them in order and
        #: pauses when they are done (space plays on, seeds going on from the last + 1).
        self.plan: Sequence[int] | None = None
        self._stopping: set[asyncio.Future[None]] = set()  # failed operators' stops
        #: The plan's end paused the session once: from now on it plays on (a reset with the
        #: file's seeds starts the plan over).
        self.played_on = False

    @property
    def seats(self) -> dict[str, Seat]:
        """The operators whose runner is built (started, starting or stopped by an error)."""
        return {op: e.seat for op, e in self.operators.items() if e.seat is not None}

    @property
    def runners(self) -> dict[str, OperatorRunner]:
        return {op: seat.runner for op, seat in self.seats.items()}

    @property
    def keyboards(self) -> dict[str, HumanKeyboard]:
        return {op: seat.keyboard for op, seat in self.seats.items()}

    # ------------------------------------------------------------------ operators

    def _emit(self, event: RunnerEvent) -> None:
        if isinstance(event, OperatorFailed):  # marked before anyone hears of it
            entry = self.operators.get(event.operator_id)
            if entry is not None and entry.error is None:
                entry.error = event.message
            if entry is not None and entry.seat is not None:
                self._stop_runner(entry.seat.runner)
        for listener in self.listeners:
            listener(event)
        if isinstance(event, OperatorFailed):
            self._end_plan_if_done()  # it was the last one still playing them

    def _stop_runner(self, runner: OperatorRunner) -> None:
        """A failed operator's workers are stopped at once: one that hangs (or was stopped
        with SIGSTOP) must not live on until the app quits. Its pane keeps the error and the
        log's path; `e` then Save starts new workers."""
        task = asyncio.ensure_future(runner.stop())
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    def register(self, config: OperatorConfig, at: int | None = None) -> Entry:
        """Add an operator to the registry before its workers start (`add` starts them):
        last, or `at` that place (an edited operator keeps its own)."""
        op = config.operator_id
        if op in self.operators:
            raise LaunchError(f"{op} is already in the session; remove it first")
        entry = self.operators[op] = Entry(config)
        if at is not None and at < len(self.operators) - 1:
            items = list(self.operators.items())
            items.insert(at, items.pop())
            self.operators.clear()  # in place: others hold this dict
            self.operators.update(items)
        return entry

    def fail(self, operator_id: str, message: str) -> None:
        """Stop an operator for a cause outside its workers (its recording failed)."""
        entry = self.operators.get(operator_id)
        if entry is None or entry.error is not None:
            return
        entry.error = message
        if entry.seat is not None:
            self._stop_runner(entry.seat.runner)
        self._end_plan_if_done()

    async def add(
        self, config: OperatorConfig, frame: FrameRequest | None = None
    ) -> OperatorRunner:
        """Start an operator's workers and its first episode with the session's seed.

        Raises LaunchError (bad config) or WorkerError (the worker failed to start); the
        runner has reported why, for the user to read and edit.
        """
        op = config.operator_id
        entry = self.operators.get(op)
        if entry is None or entry.seat is not None or entry.starting:
            entry = self.register(config)  # raises if it is already here
        entry.config, entry.error, entry.starting = config, None, True
        try:
            return await self._start(entry, frame)
        except Exception as exc:
            if not isinstance(exc, (WorkerError, LaunchError)):
                exc = LaunchError(f"{type(exc).__name__}: {exc}")
            if self.operators.get(op) is entry and entry.error is None:
                entry.error = str(exc)
            raise exc from None
        finally:
            entry.starting = False
            self._end_plan_if_done()  # the others may have played the plan meanwhile

    async def _start(self, entry: Entry, frame: FrameRequest | None) -> OperatorRunner:
        config = entry.config
        op = config.operator_id
        run_id = self.run_ids.new(op)
        config = config.with_run_id(run_id)
        runner = OperatorRunner(  # raises LaunchError for a config that cannot run
            config,
            run_id=run_id,
            log_dir=self.log_dir,
            frame=frame,
            keyboard=HumanKeyboard(),
            spawn=self.spawn,
        )
        runner.pace = self._pace
        runner.frames.every = self._frame_every
        if self.on_new_run is not None:
            try:
                listener = self.on_new_run(config, run_id)
            except Exception as exc:  # e.g. the results database is locked: run unrecorded
                log.exception("could not start recording %s", run_id)
                listener = None
                self._emit(Notice(op, run_id, message=f"not recorded: {type(exc).__name__}: {exc}"))
            if listener is not None:
                runner.listeners.append(listener)
        runner.listeners.append(self._emit)
        loop = PlayLoop(runner, lambda: self.next_seed(op), lambda: self._plan_done(op))
        seat = entry.seat = Seat(config, runner, loop)
        await runner.start()
        self._check_still_wanted(entry)
        seat.base = runner.episodes_begun
        await runner.reset(lambda: self.next_seed(op))
        self._check_still_wanted(entry)
        seat.ready = True
        if self.running:
            self._start_loop(seat)
        return runner

    def _check_still_wanted(self, entry: Entry) -> None:
        """Removed (or replaced, or failed) while it was starting: its workers must not
        outlive that."""
        op = entry.config.operator_id
        if self.operators.get(op) is not entry or entry.error is not None:
            assert entry.seat is not None
            asyncio.ensure_future(entry.seat.runner.stop())
            raise LaunchError(entry.error or f"{op} was removed while it was starting")

    async def remove(self, operator_id: str) -> None:
        entry = self.operators.get(operator_id)
        if entry is None:
            return
        seat = entry.seat
        if seat is not None:
            seat.ready = False  # no new steps from step_all / run
            seat.keyboard.withdraw()
            await seat.runner.stop()
            with contextlib.suppress(asyncio.CancelledError, WorkerError, RuntimeError):
                await seat.loop.cancel()
        if self.operators.get(operator_id) is entry:  # gone once its workers are
            del self.operators[operator_id]
        self._end_plan_if_done()

    async def replace(self, config: OperatorConfig, frame: FrameRequest | None = None) -> None:
        """Apply an edited config: the old workers stop, new ones start (same id)."""
        await self.remove(config.operator_id)
        await self.add(config, frame)

    def healthy(self) -> list[Seat]:
        """Operators that finished starting and have not failed."""
        return [seat for seat in self.seats.values() if seat.ready and not self._failed(seat)]

    def _failed(self, seat: Seat) -> bool:
        entry = self.operators.get(seat.config.operator_id)
        failed = entry is None or entry.seat is not seat or entry.error is not None
        return failed or seat.runner.state is OperatorState.ERROR

    # ------------------------------------------------------------------ controls

    @property
    def pace(self) -> float | None:
        """Steps per second while running; None runs as fast as the workers go."""
        return self._pace

    @pace.setter
    def pace(self, steps_per_second: float | None) -> None:
        self._pace = paces.clamp(steps_per_second)
        for seat in self.seats.values():
            seat.runner.pace = self._pace

    @property
    def frame_every(self) -> float:
        """Seconds between two paints of an operator's pane (the app's paint clock); a
        stream's steps in between leave their pictures out (0: every step has one)."""
        return self._frame_every

    @frame_every.setter
    def frame_every(self, seconds: float) -> None:
        self._frame_every = max(0.0, seconds)
        for seat in self.seats.values():
            seat.runner.frames.every = self._frame_every

    def faster(self) -> bool:
        """One rung up the pace ladder; False when already at the top (as fast as it goes)."""
        if self._pace is None:
            return False
        self.pace = paces.up(self._pace)
        return True

    def slower(self) -> bool:
        """One rung down the pace ladder; False when already at the bottom."""
        lower = paces.down(self._pace)
        if lower == self._pace:
            return False
        self.pace = lower
        return True

    def set_frame(self, operator_id: str, frame: FrameRequest) -> None:
        """The pane's pixel size changed; the next frame comes at that size."""
        seat = self.seats.get(operator_id)
        if seat is not None:
            seat.runner.frame = frame

    def next_seed(self, operator_id: str) -> int:
        """The file's seeds in order (`plan`), else the shared seed plus the episodes since it
        was set; an operator's own seed wins over both."""
        seat = self.seats[operator_id]
        first = seat.config.seed if seat.config.seed is not None else self.seed
        if self.fixed:  # a "fixed" environment: the same layout every episode
            return first
        played = seat.runner.episodes_begun - seat.base
        plan = self.plan if seat.config.seed is None else None
        if plan:
            return plan[played] if played < len(plan) else plan[-1] + 1 + played - len(plan)
        return first + played

    def _plan_done(self, operator_id: str) -> bool:
        """True once, when the operator has played the file's episodes: its loop pauses.
        When the last one does, the session is paused (space plays on, past the plan)."""
        seat = self.seats.get(operator_id)
        if not self.plan or seat is None or seat.played_plan or self.played_on:
            return False  # (past the plan's end, one added since plays on with the others)
        if seat.runner.episodes_begun - seat.base < len(self.plan):
            return False
        seat.plan_ended = seat.runner.episodes_begun
        self._end_plan_if_done()
        return True

    def _end_plan_if_done(self) -> None:
        """Pause the session once no operator is still playing the file's episodes: each
        played them, failed, was paused on its own or removed. One still starting plays
        them too (its loop starts when its first episode began), so it is waited for; so
        this is asked again when an operator finishes starting, fails or is removed."""
        if not (self.running and self.plan) or self.played_on:
            return  # past the plan (space after its end), nothing pauses the session again
        if any(e.starting and e.error is None for e in self.operators.values()):
            return
        healthy = self.healthy()
        done = [s for s in healthy if s.played_plan]
        if not done or any(not s.played_plan and s.loop.looping for s in healthy):
            return
        self.running = False
        self.played_on = True  # the next `run` plays on past it
        failed = sum(e.error is not None for e in self.operators.values())
        who = "every operator" if len(done) == len(self.operators) else (
            f"{len(done)} of {len(self.operators)} operators"
            + (f" ({failed} stopped by an error)" if failed else "")
        )  # fmt: skip
        done[-1].runner.notice(
            f"{who} played the file's {len(self.plan)} episodes: paused (space plays on)",
            session_wide=True,
        )

    async def reset_all(self, seed: int | None = None) -> None:
        """Every operator starts a new episode with the same seed."""
        if seed is not None:
            self.seed = seed
            self.plan = None  # a seed given now replaces the file's
        for seat in self.seats.values():
            seat.keyboard.withdraw()
            seat.plan_ended = None  # the plan starts over
        self.played_on = False

        def shared(seat: Seat) -> Callable[[], int]:
            def seed_now() -> int:  # runs under the runner's lock: no reset can slip between
                seat.base = seat.runner.episodes_begun
                return self.next_seed(seat.config.operator_id)

            return seed_now

        await self._each(self.healthy(), lambda seat: seat.runner.reset(shared(seat)))

    async def step_all(self) -> None:
        """One step of every operator, in the steppers' order: every human's key first,
        then all steps together.

        Running play loops are paused first and allowed to finish the step they are in, so
        no key is taken twice and no step happens behind this one's back.
        """
        if self.running:
            self.pause()
        seats = self.healthy()
        await asyncio.gather(*(seat.loop.parked() for seat in seats))
        keys: dict[str, Any] = {}
        for seat in seats:
            try:
                keys[seat.config.operator_id] = await seat.runner.stepper.key_for_step_all()
            except DecisionWithdrawn:  # removed, reset or paused meanwhile: not this time
                continue

        async def one(seat: Seat) -> None:
            op = seat.config.operator_id
            if not seat.ready or op not in keys:
                return  # removed meanwhile, or its human's question was withdrawn
            await seat.runner.stepper.step_for_step_all(keys[op], lambda: self.next_seed(op))

        await self._each(seats, one)

    async def press(self, operator_id: str, action: int) -> str | None:
        """A human's key for this operator; returns why it was refused, or None."""
        seat = self.seats.get(operator_id)
        if seat is None:
            return "this operator is not running"
        return await seat.runner.stepper.press(
            action, looping=self._looping(seat), next_seed=lambda: self.next_seed(operator_id)
        )

    async def next_episode(self, operator_id: str) -> str | None:
        """The human saw how the episode ended and goes on; returns why not, or None."""
        seat = self.seats.get(operator_id)
        if seat is None:
            return "this operator is not running"
        return await seat.runner.stepper.next_episode(
            looping=self._looping(seat), next_seed=lambda: self.next_seed(operator_id)
        )

    # ------------------------------------------------------------------ one operator

    def pause_one(self, operator_id: str) -> None:
        """Pause this operator only; the others go on (run or pause all takes it along)."""
        seat = self.seats[operator_id]
        seat.loop.pause()
        seat.keyboard.withdraw()  # its human's keys now step it at once

    def resume_one(self, operator_id: str) -> bool:
        """Resume an operator paused on its own; False while the whole session is paused."""
        if not self.running:
            return False
        self._start_loop(self.seats[operator_id])
        return True

    async def step_one(self, operator_id: str) -> str | None:
        """One step of this operator (pausing it first); returns why not, or None."""
        seat = self.seats[operator_id]
        if seat.runner.human_to_move:
            return f"{operator_id} waits for its human player's key: play it on its pane"
        seat.loop.pause()
        await seat.loop.parked()  # the step it was in finishes first
        await seat.runner.stepper.step_for_step_all(NO_KEY, lambda: self.next_seed(operator_id))
        return None

    async def reset_one(self, operator_id: str) -> None:
        """A new episode of this operator with its next seed; the others go on."""
        seat = self.seats[operator_id]
        seat.keyboard.withdraw()
        await seat.runner.reset(lambda: self.next_seed(operator_id))

    def _looping(self, seat: Seat) -> bool:
        return self.running and seat.loop.looping

    def run(self) -> None:
        self.running = True
        for seat in list(self.seats.values()):
            self._start_loop(seat)

    def pause(self) -> None:
        self.running = False
        for seat in self.seats.values():
            if not self._failed(seat):
                seat.loop.pause()
            seat.keyboard.withdraw()  # a play loop waiting for a key parks instead

    def _start_loop(self, seat: Seat) -> None:
        if self._failed(seat) or not seat.ready:
            return  # still starting: `add` starts its loop once the first episode began
        seat.loop.start()

    async def stop_all(self) -> None:
        """Stop every worker; safe to call twice."""
        self.running = False
        seats = list(self.seats.values())
        for seat in seats:
            seat.keyboard.withdraw()
        await asyncio.gather(*(seat.runner.stop() for seat in seats), return_exceptions=True)
        await asyncio.gather(*(seat.loop.cancel() for seat in seats), return_exceptions=True)

    @staticmethod
    async def _each(seats: list[Seat], fn: Any) -> None:
        """Run fn on every seat at once. A failing operator is marked by its own runner;
        anything else is logged, so one operator's trouble never stops the others."""
        results = await asyncio.gather(*(fn(seat) for seat in seats), return_exceptions=True)
        for seat, result in zip(seats, results, strict=True):
            if isinstance(result, asyncio.CancelledError):
                raise result
            if isinstance(result, Exception) and not isinstance(result, WorkerError):
                log.error("%s: %s", seat.config.operator_id, result, exc_info=result)
