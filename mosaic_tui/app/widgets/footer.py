"""The footer: the keys of where the focus is, as many as fit, most used first; Quit and the
palette always. On a human's pane the game's keys (bindings of the pane) come right after Quit.

Textual's footer cuts off whatever does not fit on the right, which on an 80-column terminal
was Edit, Remove and Quit. Every action is also a command in the palette (ctrl+p).
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from mosaic_tui.app.widgets.kept import KeptLines

# Dropped first when room is short: the end of this list. Kept first of all: Quit, then a
# game's keys (`play(N)`, see `FramePane.take_keys`), then actions not named here.
PRIORITY = (
    "quit",
    "toggle_run",
    "step_all",
    "add",
    "edit",
    "remove",
    "faster",
    "slower",
    "reset_all",
    "duplicate",
    "results",
    "toggle_sidebar",
    "toggle_colors",
)


class KeyFooter(KeptLines, Footer):
    """Textual's footer, fitted to the width, and rebuilt only when what it shows changes."""

    _shown: tuple[object, ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        """Textual rebuilds the footer on every focus change and binding refresh (a running
        operator's pane refreshes often), and a rebuild restyles every key: skip the ones
        that would show the same keys."""
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            shown = tuple(
                (key, b.action, b.description, b.key_display, b.show, enabled, tooltip)
                for key, (_node, b, enabled, tooltip) in screen.active_bindings.items()
            )
            if shown == self._shown and self._bindings_ready:
                return
            self._shown = shown
        super().bindings_changed(screen)

    def on_resize(self) -> None:
        self.call_after_refresh(self.fit)

    async def recompose(self) -> None:
        await super().recompose()
        self.fit()

    def fit(self) -> None:
        """Show the keys that fit in the width, in PRIORITY order; hide the rest."""
        keys = [k for k in self.query(FooterKey) if not k.has_class("-command-palette")]
        if any(k.action == "quit" for k in keys):  # ^q only where q is a move
            keys = [k for k in keys if k.action != "quit_anywhere"]
        palette = [k for k in self.query(FooterKey) if k.has_class("-command-palette")]
        room = self.size.width - sum(_width(k, self.compact) for k in palette)
        rank = {action: i for i, action in enumerate(PRIORITY)}
        shown: set[int] = set()
        for key in sorted(keys, key=lambda k: _rank(k.action, rank)):
            need = _width(key, self.compact)
            if need <= room:
                shown.add(id(key))
                room -= need
        for key in self.query(FooterKey):
            if not key.has_class("-command-palette"):
                key.display = id(key) in shown


def _rank(action: str, rank: dict[str, int]) -> int:
    """Lower is kept first: quit (`q`, or `^q` on a human's pane), a game's keys, actions not
    in PRIORITY, then PRIORITY's order."""
    if action in ("quit", "quit_anywhere"):
        return -3
    if action.startswith("play("):
        return -2
    return rank.get(action, -1)


def _width(key: FooterKey, compact: bool) -> int:
    """Cells a footer key takes: key, description, the padding or margin around them, and
    the palette key's border and padding."""
    cells = len(key.key_display) + len(key.description) + (2 if compact else 3)
    return cells + (2 if key.has_class("-command-palette") else 0)
