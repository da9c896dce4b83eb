"""The paced play loop the app drives: run, pause, and humans who set their own pace.

A loop *has* a runner and asks it to step or reset; who moves in a step is the runner's
stepper's business. The loop only decides when, and tells the runner's frame clock when its
next step comes (a stream's steps may leave out pictures no pane would paint).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from mosaic_tui.core import OperatorState
from mosaic_tui.runtime.events import StepTaken
from mosaic_tui.runtime.launcher import LaunchError
from mosaic_tui.runtime.process import WorkerError
from mosaic_tui.runtime.runner import OperatorRunner


class PlayLoop:
    def __init__(
        self,
        runner: OperatorRunner,
        next_seed: Callable[[], int | None],
        plan_done: Callable[[], bool] = lambda: False,
    ) -> None:
        self.runner = runner
        self.next_seed = next_seed
        self.plan_done = plan_done  # True (once) when the planned episodes are played
        self._running = asyncio.Event()
        self._parked = asyncio.Event()  # set while the loop is not inside a step or reset
        self._parked.set()
        self.task: asyncio.Task[None] | None = None

    @property
    def looping(self) -> bool:
        """Started and running (a key for it is held for its next question)."""
        return self._running.is_set() and self.task is not None and not self.task.done()

    def start(self) -> None:
        """Run at the runner's pace (starting the task if it is not running)."""
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(
                self.play(), name=f"play-{self.runner.config.operator_id}"
            )
        self._running.set()
        self.runner.set_state(OperatorState.RUNNING)

    def pause(self) -> None:
        self._running.clear()
        self.runner.set_state(OperatorState.PAUSED)

    async def parked(self) -> None:
        """Wait until a paused loop has finished the step it was in."""
        await self._parked.wait()

    async def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    async def play(self) -> None:
        """Step while running, at the runner's pace; start the next episode when one ends.

        Humans set their own pace: their steps wait for keys, never for the clock, and a
        finished episode stays on screen until they press one (or anything resets).
        """
        runner = self.runner
        due = time.monotonic()
        try:
            while not runner.stopping:
                if not self._running.is_set():
                    await runner.catch_up_frame()  # the stream's last picture, if it skipped
                    self._parked.set()
                    await self._until(self._running)
                    due = time.monotonic()  # after a pause, no burst to catch up
                    continue
                if runner.episode_over and runner.holds_end:
                    # a human sees how it ended; their key (or any reset) starts the next
                    self._parked.set()
                    runner.began.clear()
                    await self._until(runner.began)
                    continue
                self._parked.clear()
                if runner.episode_over:
                    if self.plan_done():  # the file's episodes are played: stop here
                        self.pause()
                        continue
                    await runner.reset(self.next_seed, only_if_over=True)
                    continue
                human = runner.human_to_move  # humans set their own pace
                if await self._streamed_step(due) is None or human or not runner.pace:
                    continue
                # keep to the schedule (a late step shortens the next wait), never burst
                due = max(due + 1.0 / runner.pace, time.monotonic() - 1.0 / runner.pace)
                await asyncio.sleep(max(0.0, due - time.monotonic()))
        except (WorkerError, LaunchError):
            pass  # the runner marked the operator and reported why
        finally:
            self._parked.set()

    async def _streamed_step(self, due: float) -> StepTaken | None:
        """One step of the stream, due at `due`: the runner's frame clock knows when the next
        one comes, so this one's picture may be left out if the next one's is painted in its
        place (`frame_pacing.py`)."""
        runner = self.runner
        pace = runner.pace
        runner.frames.next_step = due + 1.0 / pace if pace else time.monotonic()
        try:  # as fast as it goes, the env is sent its next step ahead (`env_steps.py`)
            return await runner.step(ahead=pace is None)
        finally:
            runner.frames.next_step = None

    async def _until(self, event: asyncio.Event) -> None:
        """Wait for `event`, or for the runner to stop."""
        waits = [
            asyncio.ensure_future(event.wait()),
            asyncio.ensure_future(self.runner.stopped.wait()),
        ]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
