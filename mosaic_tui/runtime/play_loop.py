"""The paced play loop the app drives: run, pause, and humans who set their own pace.

A mixin of `OperatorRunner` (it uses the runner's step/reset and its bookkeeping), kept apart
so the episode mechanics and the loop around them read separately.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from mosaic_tui.core import OperatorState


class PlayLoop:
    """Run / pause / paced stepping for a runner (see `OperatorRunner`)."""

    def resume(self) -> None:
        self._running.set()
        self.set_state(OperatorState.RUNNING)

    def pause(self) -> None:
        self._running.clear()
        self.set_state(OperatorState.PAUSED)

    async def play(self, next_seed: Callable[[int], int | None]) -> None:
        """Step while running, at `pace`; start the next episode (seed from `next_seed(i)`).

        Humans set their own pace: their loop waits for keys, never for the clock, and a
        finished episode stays on screen until they press one (`Session.press` resets).
        """
        due = time.monotonic()
        try:
            while not self._stopping:
                if not self._running.is_set():
                    self._parked.set()
                    await self._running.wait()
                    due = time.monotonic()  # after a pause, no burst to catch up
                if self.episode_over and self.holds_end:
                    # a human sees how it ended; their key (or any reset) starts the next
                    self._parked.set()
                    self._new_episode.clear()
                    await self._new_episode.wait()
                    continue
                self._parked.clear()
                if self.episode_over:
                    await self.reset(lambda: next_seed(self.episodes_begun), only_if_over=True)
                    continue
                human = self.human_to_move  # humans set their own pace
                if await self.step() is None or human or not self.pace:
                    continue
                # keep to the schedule (a late step shortens the next wait), never burst
                due = max(due + 1.0 / self.pace, time.monotonic() - 1.0 / self.pace)
                await asyncio.sleep(max(0.0, due - time.monotonic()))
        finally:
            self._parked.set()

    async def parked(self) -> None:
        """Wait until a paused play loop has finished the step it was in."""
        await self._parked.wait()
