"""The move box of a game played by typing moves (chess): the legal moves as completions, a
placeholder that says whose move it is, and what is typed resolved to a legal move's name.

It belongs to a `FramePane`, which shows it for a typed game and posts the moves typed.
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input

from mosaic_tui.app.view import OperatorView


def resolve_move(move: str, names: list[str]) -> str | None:
    """The legal move a human typed: exact, then in any case, then without the check marks
    SAN adds (`Bb5` for `Bb5+`); None if it names none."""

    def plain(name: str) -> str:
        return name.rstrip("+#!?").lower()

    for same in (lambda n: n == move, lambda n: n.lower() == move.lower()):
        found = [n for n in names if same(n)]
        if found:
            return found[0]
    found = [n for n in names if plain(n) == plain(move)]
    return found[0] if len(found) == 1 else None


class MoveBox(Input):
    """Stays put for the whole game, so focus never leaves it; it follows the game instead."""

    class SwitchView(Message):
        """`v` at an empty box: the pane switches between board and frame."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            placeholder="move> e2e4 or Nf3 (→ completes)", id=id, select_on_focus=False
        )
        self.move_names: list[str] | None = None  # the legal moves its completions offer

    def follow(self, view: OperatorView, *, pane_focused: bool) -> None:
        """Shown for a typed game only: the completions on the human's move, and whose move
        it is (or how to go on after the episode's end) in the placeholder."""
        if not view.typing:
            self.display = False
            return
        if view.my_move and view.moves:
            names = sorted(view.moves)
            if self.move_names != names:
                self.move_names = names
                self.suggester = SuggestFromList(names, case_sensitive=True)
            self.placeholder = f"your move: {view.move_hint} (→ completes)"  # the note: whose
        elif view.over:
            self.placeholder = "enter: next episode"
        else:
            self.placeholder = f"{view.mover} is thinking… (you may type ahead)"
        if not self.display:
            self.display = True
            if pane_focused:
                self.focus()

    async def _on_key(self, event: events.Key) -> None:
        """`v` in an empty box is the pane's (board / frame), as the pane's legend says; once
        a move is being typed, every printable key is text."""
        if event.key == "v" and not self.value:
            event.stop()
            event.prevent_default()  # not typed
            self.post_message(self.SwitchView())

    def type_in(self, text: str) -> None:
        """Text typed at the pane goes here: the box is shown and focused, the text inserted."""
        self.display = True
        self.focus()
        self.insert_text_at_cursor(text)
