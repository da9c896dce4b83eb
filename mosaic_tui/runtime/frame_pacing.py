"""Frame pacing: in a fast stream, only the steps whose pictures a pane will paint ask for one.

A pane paints at most once every `every` seconds, on a clock all panes share: its ticks are the
multiples of `every` (`FramePane.frame_arrived`). Sixteen panes paint 10 times a second each
while their operators step 30 times a second; a frame drawn, downsampled, compressed, sent and
decoded for every step would be thrown away two times in three. So while a play loop streams,
a step asks for its picture only when it is the last step whose picture can reach the pane
before the next tick (or when the tick before went without one); the others are sent with
`skip_frame`, and the env worker leaves their pictures out.

Every other step has its picture: a human's move, a step taken one at a time, a step that
ends the episode (the env sends that one whatever it was told), a VLM player's next decision.
When a stream stops (a pause) on a step that skipped its picture, the runner asks the env to
draw the current state (`OperatorRunner.catch_up_frame`): the pane never stays on a stale one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LEAD = 0.005  # seconds a picture needs to reach the pane before the tick it is painted on
SETTLE = 0.2  # weight of the newest step in the step time's running average


@dataclass
class FrameClock:
    """Which steps of one operator's stream ask for their picture."""

    every: float = 0.0  # seconds between the pane's paints (0: every step has a picture)
    next_step: float | None = None  # while a play loop streams: when its next step is due
    step_time: float = 0.0  # how long a step takes (sent to answered), a running average
    _tick: int | None = None  # the tick the last picture asked for is painted on

    @property
    def streaming(self) -> bool:
        return self.next_step is not None

    def wanted(self, now: float) -> bool:
        """Ask for the picture of the step sent `now`? Yes unless a stream's next step comes
        before the pane's next tick, and the tick before got a picture."""
        every = self.every
        if every <= 0.0:
            return True
        tick = math.ceil((now + LEAD) / every)  # the tick this step's picture is painted on
        if self.next_step is not None:
            after = max(self.next_step, now + self.step_time) + LEAD  # the next step's
            last = self._tick
            if after < tick * every and last is not None and last >= tick - 1:
                return False
        self._tick = tick
        return True

    def took(self, seconds: float) -> None:
        """A step took `seconds`: the next one comes no sooner than that after this one."""
        self.step_time += SETTLE * (seconds - self.step_time)
