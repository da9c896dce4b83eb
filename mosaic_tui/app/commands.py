"""Every key binding of the app is also a command in the palette (ctrl+p)."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding

# The palette has its own quit; escape is navigation.
HIDDEN = ("quit", "quit_anywhere", "focus_list")


def binding_commands(app: App) -> Iterable[SystemCommand]:
    for binding in app.BINDINGS:
        if not isinstance(binding, Binding) or binding.action in HIDDEN:
            continue
        key = binding.key_display or binding.key.split(",")[0]
        what = binding.tooltip or binding.description
        yield SystemCommand(
            binding.description,
            f"{what} (key {key})",
            lambda action=binding.action: app.run_action(action),
        )
