"""One operator on screen: its frame, a status line in the border, the key legend, errors."""

from __future__ import annotations

import time
from collections import deque

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Key
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from mosaic_tui.app.messages import BoardReady, FrameReady
from mosaic_tui.app.widgets.frame_view import FrameView
from mosaic_tui.protocol import Frame
from mosaic_tui.render import HalfBlockRenderer


class FramePane(Vertical, can_focus=True):
    """Focus it and, if its operator has a human player, its keys play the game.

    Board games show their position as text (`v` switches to the frame and back); chess is
    played by typing a move, with the legal moves as completions.
    """

    BINDINGS = [Binding("v", "toggle_view", "Board/frame", show=False)]

    class NamedMove(Message):
        def __init__(self, operator_id: str, move: str) -> None:
            super().__init__()
            self.operator_id = operator_id
            self.move = move

    class HumanMove(Message):
        def __init__(self, operator_id: str, key: str) -> None:
            super().__init__()
            self.operator_id = operator_id
            self.key = key

    def __init__(self, operator_id: str, title: str, *, colors: str = "truecolor") -> None:
        super().__init__(id=f"pane-{operator_id}", classes="pane")
        self.operator_id = operator_id
        self.border_title = title
        self.keys: dict[str, int] = {}  # key -> action, for a human player
        self._colors = colors
        self._times: deque[float] = deque(maxlen=30)

    def compose(self) -> ComposeResult:
        # The status is a line of its own: changing a border subtitle repaints the whole pane.
        yield Static("", id="status", classes="status")
        yield FrameView(HalfBlockRenderer(self._colors), id="view")  # type: ignore[arg-type]
        yield Static("", id="board", classes="board")
        yield Input(placeholder="move> e2e4 or Nf3 (tab completes)", id="move")
        yield Static("", id="error", classes="error")
        yield Static("", id="legend", classes="legend")

    @property
    def view(self) -> FrameView:
        return self.query_one(FrameView)

    @property
    def pixel_box(self) -> tuple[int, int]:
        """The frame size this pane can show: 1 pixel per column, 2 per row."""
        width, height = self.view.size
        return max(width, 8), max(height * 2, 8)

    @property
    def fps(self) -> float:
        if len(self._times) < 2 or time.monotonic() - self._times[-1] > 2.0:
            return 0.0
        return (len(self._times) - 1) / max(self._times[-1] - self._times[0], 1e-6)

    def on_board_ready(self, message: BoardReady) -> None:
        message.stop()
        self.query_one("#board", Static).update("\n".join(message.board))
        if not self.has_class("-board") and not self.has_class("-frame-chosen"):
            self.add_class("-board")  # text reads better than a downsampled board

    def action_toggle_view(self) -> None:
        if self.has_class("-board"):
            self.remove_class("-board")
            self.add_class("-frame-chosen")
        elif str(self.query_one("#board", Static).content):
            self.add_class("-board")
            self.remove_class("-frame-chosen")

    def set_moves(self, moves: dict[str, int] | None) -> None:
        """Show the move box while a typing human is to move; complete from legal moves."""
        box = self.query_one("#move", Input)
        if not moves:
            box.display = False
            return
        names = sorted(moves)
        if getattr(box, "_names", None) != names:
            box._names = names  # type: ignore[attr-defined]
            box.suggester = SuggestFromList(names, case_sensitive=True)
        box.display = True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        move = event.value.strip()
        event.input.value = ""
        if move:
            self.post_message(self.NamedMove(self.operator_id, move))

    def show_frame(self, frame: Frame) -> None:
        self._times.append(time.monotonic())
        self.remove_class("-error")
        self.view.show(frame.to_array())

    def show_status(self, text: str) -> None:
        status = self.query_one("#status", Static)
        if str(status.content) != text:
            status.update(text)

    def show_legend(self, text: str) -> None:
        legend = self.query_one("#legend", Static)
        legend.update(text)
        legend.display = bool(text)

    def show_error(self, text: str) -> None:
        self.add_class("-error")
        self.query_one("#error", Static).update(text)

    def set_colors(self, mode: str) -> None:
        self._colors = mode
        self.view.set_colors(mode)

    def on_frame_ready(self, message: FrameReady) -> None:
        """Superseded frames were already dropped from this pane's queue (newest wins)."""
        message.stop()
        self.show_frame(message.frame)

    def on_key(self, event: Key) -> None:
        if event.key in self.keys:
            event.stop()
            event.prevent_default()
            self.post_message(self.HumanMove(self.operator_id, event.key))
