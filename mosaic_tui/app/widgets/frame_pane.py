"""One operator on screen: its frame, a status line in the border, the key legend, errors.

A pane whose operator has a human player is theirs while it (or its move box) has focus:
letters are moves there, never app commands (`escape` goes back to the list, where they are).
The game's keys are bindings of the pane (`take_keys`), so they win over the app's own
non-priority keys while it has focus, and the footer says what they do there.
"""

from __future__ import annotations

import asyncio
import math
import string
import time
from collections import deque

from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import Vertical
from textual.events import Key
from textual.message import Message
from textual.widgets import Input, Static

from mosaic_tui.app.layout import board_room, fit_status, whole_parts
from mosaic_tui.app.markup import escape
from mosaic_tui.app.messages import BoardReady, FrameReady
from mosaic_tui.app.view import OperatorView
from mosaic_tui.app.widgets.frame_view import FrameView
from mosaic_tui.app.widgets.kept import KeptLines
from mosaic_tui.app.widgets.move_box import MoveBox, resolve_move
from mosaic_tui.app.widgets.status_line import StatusLine
from mosaic_tui.envs import keymaps
from mosaic_tui.protocol import Frame
from mosaic_tui.render import HalfBlockRenderer

# Letters a human pane keeps for itself (`v` switches board and frame): bound here, hidden, so
# the app's single-letter commands neither fire nor show in the footer while a player types.
# The game's own letters replace these bindings (`take_keys`).
_LETTERS = [c for c in string.ascii_lowercase if c != "v"]
# Keys that never start the next episode (nor do ctrl+ keys): they move focus or switch the view.
_NOT_GO_ON = {"escape", "tab", "shift+tab", "v"}


class FramePane(KeptLines, Vertical, can_focus=True):
    """Focus it and, if its operator has a human player, its keys play the game.

    Board games show their position as text (`v` switches to the frame and back); chess is
    played by typing a move, with the legal moves as completions. A finished episode stays on
    screen with its outcome until the human presses a key (`NextEpisode`).
    """

    DEFAULT_CSS = """
    FramePane > #note { display: none; height: auto; padding: 0 1; }
    FramePane.-noted > #note { display: block; }
    FramePane.-over > #note { background: $boost; }
    """

    #: The most often a pane paints, in seconds: frames that arrive faster replace the one
    #: waiting, and only the newest is painted. Panes that stream frames paint on a clock
    #: they all share (multiples of `frame_every`), so the screen redraws them together,
    #: once, instead of once for each; a frame after a quiet spell, or a human's move, is
    #: painted at once.
    frame_every: float = 1 / 30
    #: Frames less than this many seconds apart are a stream (painted on the shared clock).
    STREAM_GAP = 0.25

    BINDINGS = [
        Binding("v", "toggle_view", "Board/frame", show=False),
        Binding("escape", "back", "Operators (letters: commands)"),
        *(Binding(c, f"letter('{c}')", show=False) for c in _LETTERS),
    ]

    class NamedMove(Message):
        def __init__(self, operator_id: str, move: str) -> None:
            super().__init__()
            self.operator_id = operator_id
            self.move = move

    class HumanMove(Message):
        """A game key was pressed on the pane: play `action` (an action index)."""

        def __init__(self, operator_id: str, action: int) -> None:
            super().__init__()
            self.operator_id = operator_id
            self.action = action

    class NextEpisode(Message):
        """The human saw how the episode ended and pressed a key to go on."""

        def __init__(self, operator_id: str) -> None:
            super().__init__()
            self.operator_id = operator_id

    def __init__(self, operator_id: str, title: str, *, colors: str = "truecolor") -> None:
        super().__init__(id=f"pane-{operator_id}", classes="pane")
        self.operator_id = operator_id
        self.border_title = title
        self.keys: dict[str, int] = {}  # key -> action, for a human player
        self.human = False  # a human plays here: letters are theirs
        self.typing = False  # ... by typing moves into the move box
        self.my_move = False  # it is that human's move now
        self.over = False  # the episode ended; a key starts the next
        self._view: OperatorView | None = None
        self._colors = colors
        self._steps: deque[float] = deque(maxlen=30)  # when steps were taken: the rate shown
        self._frame_at = -math.inf  # when the last frame arrived
        self._waiting: Frame | None = None  # the newest frame not painted yet
        self._paint_at: asyncio.TimerHandle | None = None  # when it will be
        self._painted_at = -1.0
        self._frame_view: FrameView | None = None  # made by compose
        self._legend = ""  # the key legend's text (its widget may show fewer lines)
        self._board_lines = 0  # lines of the board's text
        self._room: tuple[bool, int | None, int | None, bool, str] | None = None  # `_make_room`'s
        self._room_shown = ""  # the legend's text as shown (its parts that fit)

    def compose(self) -> ComposeResult:
        # The status is a line of its own: changing a border subtitle repaints the whole pane.
        yield StatusLine("", id="status", classes="status")
        self._frame_view = FrameView(HalfBlockRenderer(self._colors), id="view")  # type: ignore[arg-type]
        yield self._frame_view
        yield Static("", id="board", classes="board")
        yield Static("", id="note")
        yield MoveBox(id="move")
        yield Static("", id="error", classes="error")
        yield Static("", id="legend", classes="legend")

    @property
    def view(self) -> FrameView:
        return self._frame_view if self._frame_view is not None else self.query_one(FrameView)

    @property
    def box(self) -> MoveBox:
        return self.query_one("#move", MoveBox)

    @property
    def pixel_box(self) -> tuple[int, int]:
        """The frame size this pane can show: 1 pixel per column, 2 per row."""
        width, height = self.view.size
        return max(width, 8), max(height * 2, 8)

    @property
    def steps_per_second(self) -> float:
        """Steps a second lately (a fast stream's pane paints only some of them)."""
        steps = self._steps
        if len(steps) < 2 or time.monotonic() - steps[-1] > 2.0:
            return 0.0
        return (len(steps) - 1) / max(steps[-1] - steps[0], 1e-6)

    def stepped(self) -> None:
        """The operator took a step (counted for the rate its status line shows)."""
        self._steps.append(time.monotonic())

    def on_board_ready(self, message: BoardReady) -> None:
        message.stop()
        self.query_one("#board", Static).update(escape("\n".join(message.board)))
        self._board_lines = len(message.board)
        if not self.has_class("-board") and not self.has_class("-frame-chosen"):
            self.add_class("-board")  # text reads better than a downsampled board
        self._make_room()

    def on_move_box_switch_view(self, message: MoveBox.SwitchView) -> None:
        message.stop()
        self.action_toggle_view()

    def action_toggle_view(self) -> None:
        if self.has_class("-board"):
            self.remove_class("-board")
            self.add_class("-frame-chosen")
        elif str(self.query_one("#board", Static).content):
            self.add_class("-board")
            self.remove_class("-frame-chosen")

    # ------------------------------------------------------------------ the human's game

    def follow(self, view: OperatorView) -> None:
        """Show where the game is: the last move, the outcome once it ended, and (typed
        games) the move box, which stays put for the whole game so focus never leaves it."""
        self._view = view  # its legal moves check what is typed into the box
        self.human = view.human
        self.typing = view.typing
        self.my_move = view.my_move
        self.over = view.over
        self._show_note(view.note)
        self.set_class(self.over, "-over")
        if self.has_class("-error"):
            self.box.display = False
        else:
            self.box.follow(view, pane_focused=self.has_focus)
        self._make_room()

    def _show_note(self, text: str) -> None:
        note = self.query_one("#note", Static)
        if str(note.content) != text:
            note.update(text)
        self.set_class(bool(text), "-noted")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        move = event.value.strip()
        if self.over:
            event.input.value = ""
            self._go_on()
            return
        if not move:
            return
        view = self._view
        if view is not None and not view.my_move:  # kept: enter again on your move
            self.notify("not your move yet: wait for the other player", timeout=2)
            return
        names = list(view.moves if view is not None else {})
        known = resolve_move(move, names) if names else move
        if known is None:
            self.notify(f"{escape(move)} is not a legal move here (→ completes)", timeout=3)
            event.input.select_all()  # kept to correct; typing replaces it
            return
        event.input.value = ""
        self.post_message(self.NamedMove(self.operator_id, known))

    def _go_on(self) -> None:
        """Ask for the next episode once: later keys are moves of that episode."""
        self.over = False
        self.set_class(False, "-over")
        self.post_message(self.NextEpisode(self.operator_id))

    def take_keys(self, keys: list[keymaps.GameKey]) -> None:
        """A human plays here: bind the game's keys to the pane (first, in the game's order),
        replacing the hidden letter bindings they share a key with. While the pane has focus
        they win over the app's keys (only a priority app binding could take one back), and
        the footer shows what each does in this game."""
        self.keys = {k.key: k.action for k in keys}
        self.human = True
        game = BindingsMap()
        for k in keys:
            game.bind(k.key, f"play({k.action})", k.description, k.shown, k.key_display)
        mapping = dict(game.key_to_bindings)
        for key, found in (type(self)._merged_bindings or BindingsMap()).key_to_bindings.items():
            if key not in mapping:  # new lists: the class's map is shared by every pane
                mapping[key] = list(found)
        self._bindings = BindingsMap.from_keys(mapping)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Letters, game keys and `escape` are the player's only while a human plays here."""
        if action in ("letter", "back", "play"):
            return self.human
        return True

    def action_play(self, action: int) -> None:
        """A game key: one move (the session says if it is not this player's turn). Posted
        to the app itself, not bubbled up through the grid: with 15 operators beside it,
        every hop through a busy loop is a few milliseconds of a key's way to the screen."""
        self.app.post_message(self.HumanMove(self.operator_id, action))

    async def action_back(self) -> None:
        await self.run_action("app.focus_list")

    def action_letter(self, key: str) -> None:
        """A letter that is not one of this game's keys: say so, never run an app command."""
        if self.over:
            self._go_on()
        elif self.typing:
            self.box.type_in(key)
        else:
            self.notify(
                f"{key} is not a key of this game; escape goes back to the list,"
                " where letters are commands",
                timeout=3,
            )

    # ------------------------------------------------------------------ drawing

    def frame_arrived(self, frame: Frame) -> None:
        """A new frame: painted now if the pane has not painted for `frame_every` seconds,
        else when that time is up, with whichever frame is the newest by then. However many
        frames arrive, the pane repaints at most once per `frame_every`."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        streaming = now - self._frame_at < self.STREAM_GAP
        self._frame_at = now
        self._waiting = frame
        if self._paint_at is not None:
            return  # the newest frame is painted when its turn comes
        every = self.frame_every
        if self.human or (not streaming and now - self._painted_at >= every):
            when = now  # a human waits for their move to show; nobody else painted lately
        else:  # the next tick of the shared clock, at least `every` after the last paint
            when = math.ceil(max(now, self._painted_at + every) / every - 1e-6) * every
        self._paint_at = loop.call_at(when, self._paint_waiting, when)

    def _paint_waiting(self, when: float) -> None:
        self._paint_at = None
        frame, self._waiting = self._waiting, None
        if frame is not None and self.is_attached:
            self._painted_at = when  # its tick, not the moment the loop got to it
            self._paint(frame)

    def show_frame(self, frame: Frame) -> None:
        """Paint `frame` now (no waiting for the pane's next turn to paint)."""
        self._frame_at = asyncio.get_running_loop().time()
        self._paint(frame)

    def _paint(self, frame: Frame) -> None:
        if self.has_class("-error"):  # restarted: its legend and move box come back
            self.remove_class("-error")
            self._make_room()
            if self._view is not None:
                self.box.follow(self._view, pane_focused=self.has_focus)
        self.view.show(frame.to_array())

    def on_unmount(self) -> None:
        self._cancel_paint()

    def _cancel_paint(self) -> None:
        if self._paint_at is not None:
            self._paint_at.cancel()
            self._paint_at = None

    def show_status(self, text: str) -> None:
        """The status line, cut to the pane's width (and cut again when the pane resizes)."""
        self._status_text = text
        room = self.size.width - 4  # borders and padding
        fitted = fit_status(text, room) if room > 0 else text
        status = self.query_one("#status", Static)
        if str(status.content) != fitted:
            status.update(fitted, layout=False)  # one line, always: nothing moves

    def on_resize(self) -> None:
        if getattr(self, "_status_text", None):
            self.show_status(self._status_text)
        self._make_room()

    def show_legend(self, text: str) -> None:
        self._legend = text
        self._room = None  # `_make_room` shows it (whole, or its parts that fit)
        self._make_room()

    def _make_room(self) -> None:
        """A board shows whole on a short pane: the key legend, then the note, then the move
        box's border give up their lines to it (`layout.board_room`). A frame scales instead.
        Called on every redraw: styles are touched only when the room changes."""
        text = self._legend
        room: tuple[bool, int | None, int | None, bool, str]
        if self.has_class("-error"):  # its keys play nothing now: the room goes to why
            room = (False, None, None, False, text)
        elif not self.has_class("-board"):
            room = (bool(text), None, None, False, text)
        else:
            inside = self.content_size
            note = self.query_one("#note", Static)
            legend_lines, note_lines, tight = board_room(
                inside.height,
                inside.width - 2,  # the legend's and the note's padding
                self._board_lines,
                str(note.content) if self.has_class("-noted") else "",
                bool(self.typing and self.box.display),
                text,
            )
            shown = whole_parts(text, inside.width - 2, legend_lines) if legend_lines else text
            room = (bool(text) and legend_lines > 0, legend_lines or None, note_lines or None,
                    tight, shown)  # fmt: skip
        if room == self._room:
            return
        self._room = room
        legend = self.query_one("#legend", Static)
        if self._room_shown != room[4]:
            self._room_shown = room[4]
            legend.update(room[4])
        legend.display, legend.styles.max_height = room[0], room[1]
        self.query_one("#note", Static).styles.max_height = room[2]
        self.set_class(room[3], "-tight")

    def show_error(self, text: str) -> None:
        """Why the operator stopped, instead of its frame. A frame that arrived before it
        stopped and waits for its turn to paint is dropped: painting it would hide this
        (a new run's frames do, once the operator is restarted)."""
        self._cancel_paint()
        self._waiting = None
        self.add_class("-error")
        self.query_one("#error", Static).update(text)
        self.box.display = False
        self._make_room()

    def set_colors(self, mode: str) -> None:
        self._colors = mode
        self.view.set_colors(mode)

    def on_frame_ready(self, message: FrameReady) -> None:
        """A frame as a message (the app hands them over directly: `frame_arrived`)."""
        message.stop()
        self.frame_arrived(message.frame)

    def on_key(self, event: Key) -> None:
        """Keys that are not bindings: any key goes on after an episode ended, and text typed
        at a typed game's pane goes into its move box (game keys are bindings: `take_keys`)."""
        if self.over and event.key not in _NOT_GO_ON and not event.key.startswith("ctrl+"):
            event.stop()
            event.prevent_default()
            self._go_on()
        elif self.typing and event.is_printable and event.character and event.key != "v":
            event.stop()  # typed at the pane: it belongs in the move box
            event.prevent_default()
            self.box.type_in(event.character)
