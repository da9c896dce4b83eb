"""The session's record of each operator: the one the user added (`Entry`, started or not)
and, once its runner is built, its place in the session (`Seat`)."""

from __future__ import annotations

from dataclasses import dataclass

from mosaic_tui.core import OperatorConfig
from mosaic_tui.runtime.keyboard import HumanKeyboard
from mosaic_tui.runtime.play_loop import PlayLoop
from mosaic_tui.runtime.runner import OperatorRunner


@dataclass
class Seat:
    """One operator in the session."""

    config: OperatorConfig
    runner: OperatorRunner
    loop: PlayLoop
    base: int = 0  # episodes begun when the shared seed was last set
    ready: bool = False  # started and in its first episode
    plan_ended: int | None = None  # episodes begun when it paused at the plan's end (once)

    @property
    def played_plan(self) -> bool:
        """It paused once at the end of the file's episodes (a reset of all starts over)."""
        return self.plan_ended is not None

    @property
    def at_plan_end(self) -> bool:
        """It played the file's episodes and has not moved on since: done, not paused."""
        runner = self.runner
        return runner.episode_over and runner.episodes_begun == self.plan_ended

    @property
    def keyboard(self) -> HumanKeyboard:
        assert self.runner.keyboard is not None  # the session always gives one
        return self.runner.keyboard


@dataclass
class Entry:
    """One operator the user added, whether or not it could start."""

    config: OperatorConfig
    seat: Seat | None = None  # None until its runner is built (never, for a config that fails)
    error: str | None = None  # why it stopped: its start, a worker, its recording
    starting: bool = False  # its workers are starting now

    @property
    def state(self) -> str:
        """pending, running, paused, error, …: one answer to "is it in error"."""
        if self.error is not None:
            return "error"
        return self.seat.runner.state.value if self.seat is not None else "pending"
