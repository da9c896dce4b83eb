"""Messages from the runtime to the widgets: the app's one bridge
(`OperatorDrawing.on_runner_event`, `app.drawing`) turns runner events into these, and widgets
redraw from them; no timer reads runtime state.

`OperatorChanged` coalesces: however fast an operator steps, one redraw of its row and pane is
waiting at a time. `FrameReady` lets a newer frame replace one still waiting in the pane's
queue: a slow terminal shows fewer frames, never stale ones, and key presses are never stuck
behind a backlog.
"""

from __future__ import annotations

from textual.message import Message

from mosaic_tui.app.view import OperatorView
from mosaic_tui.protocol import Frame
from mosaic_tui.runtime import OperatorFailed


class FrameReady(Message):
    def __init__(self, operator_id: str, frame: Frame) -> None:
        super().__init__()
        self.operator_id = operator_id
        self.frame = frame

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FrameReady) and message.operator_id == self.operator_id


class OperatorChanged(Message):
    """Something an operator's row or pane shows has changed. `urgent`: a state, an episode's
    start or end, whose key it is (drawn at once); otherwise a step (drawn at most
    `STATUS_EVERY` apart: a number ticking 30 times a second is not read, only redrawn).
    `view` is what to draw, copied from the runner when it changed."""

    def __init__(
        self, operator_id: str, view: OperatorView, urgent: bool = True, run_id: str | None = None
    ) -> None:
        super().__init__()
        self.operator_id = operator_id
        self.view = view
        self.urgent = urgent
        self.run_id = run_id  # whose run it was: an edited operator's old run draws nothing

    def can_replace(self, message: Message) -> bool:
        return (
            isinstance(message, OperatorChanged)
            and message.operator_id == self.operator_id
            and (self.urgent or not message.urgent)
        )


class OperatorCrashed(Message):
    def __init__(self, failure: OperatorFailed) -> None:
        super().__init__()
        self.failure = failure


class BoardReady(Message):
    """A board game's position as text; like frames, the newest replaces a waiting one."""

    def __init__(self, operator_id: str, board: list[str]) -> None:
        super().__init__()
        self.operator_id = operator_id
        self.board = board

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, BoardReady) and message.operator_id == self.operator_id
