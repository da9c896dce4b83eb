"""The palette (ctrl+p): every key binding of the app, a screenshot that says where it went,
and commands for each operator on screen now (pause, step, reset, edit, remove *this* one),
the focused operator's first."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.css.query import NoMatches

from mosaic_tui.core import OperatorState

# The palette has its own quit; escape is navigation.
HIDDEN = ("quit", "quit_anywhere", "focus_list")


def system_commands(app: App, inherited: Iterable[SystemCommand]) -> Iterable[SystemCommand]:
    """Textual's own commands (`inherited`), with our Screenshot for theirs, then the keys."""
    for command in inherited:
        if command.title != "Screenshot":  # ours says where it went, or why not
            yield command
    yield SystemCommand(
        "Screenshot",
        "Save an SVG of the screen in the current directory",
        lambda: app.set_timer(0.1, partial(save_svg, app)),
    )
    yield from binding_commands(app)


def save_svg(app: App, directory: Path | None = None) -> Path | None:
    """Save the screen as SVG; say where, or why it could not be saved."""
    directory = directory or Path.cwd()
    try:
        path = Path(app.save_screenshot(path=str(directory)))
    except OSError as exc:
        app.notify(
            f"could not save a screenshot in {directory}: {exc.strerror or exc}",
            title="Screenshot",
            severity="error",
            timeout=8,
        )
        return None
    app.notify(f"saved {path}", title="Screenshot", timeout=5)
    return path


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


def literal(text: str) -> str:
    """`text` as palette markup that shows it as it is: the palette reads a command's help
    as markup, and a display name is the user's (`[/]` in one would crash it). Every `[` is
    escaped (Textual's `escape` leaves `[$var]` and `[ bold]` to be read as markup)."""
    return text.replace("[", "\\[")


def operator_commands(app: Any, op: str) -> list[tuple[str, str, Callable[[], object]]]:
    """What can be done to operator `op` now: (title, help, callback). A failed or starting
    operator can only be edited or removed; pause or resume as it stands."""
    entry = app.session.operators.get(op)
    if entry is None:
        return []
    config = entry.config
    name = f"{op} ({literal(config.display_name)})" if config.display_name != op else op
    found: list[tuple[str, str, Callable[[], object]]] = []
    runner = entry.seat.runner if entry.seat is not None else None
    if runner is not None and entry.state not in ("error", "pending"):
        if runner.state is OperatorState.RUNNING:
            found.append(
                (f"Pause {op}", f"Pause {name} only; the others go on",
                 partial(app.pause_operator, op))
            )  # fmt: skip
        elif app.session.running:
            found.append(
                (f"Resume {op}", f"Resume {name}, paused on its own",
                 partial(app.resume_operator, op))
            )  # fmt: skip
        found += [
            (f"Step {op}", f"One step of {name} (pauses it first)", partial(app.step_operator, op)),
            (f"Reset {op}", f"A new episode of {name}, with its next seed",
             partial(app.reset_operator, op)),
        ]  # fmt: skip
    found += [
        (f"Edit {op}", f"Change {name} (it restarts)", partial(app.edit_operator, op)),
        (f"Remove {op}", f"Stop and remove {name} (asks first)", partial(app.ask_remove, op)),
    ]
    return found


class OperatorCommands(Provider):
    """Per-operator commands for the operators on screen, the focused (or selected) one first,
    so `ctrl+p` then `enter` acts on the operator the user is looking at."""

    def _current(self) -> str | None:
        """The operator of the focused pane, else the one selected in the list."""
        from mosaic_tui.app.widgets.frame_pane import FramePane
        from mosaic_tui.app.widgets.operator_list import OperatorList

        focused = self.focused
        for node in focused.ancestors_with_self if focused is not None else ():
            if isinstance(node, FramePane):
                return node.operator_id
        try:
            return self.screen.query_one(OperatorList).selected
        except NoMatches:
            return None

    def _commands(self) -> list[tuple[bool, tuple[str, str, Callable[[], object]]]]:
        from mosaic_tui.app.widgets.operator_list import OperatorList

        app: Any = self.app
        if not self.screen.query(OperatorList) or not hasattr(app, "session"):
            return []  # a form or a dialog: no operators on this screen
        current = self._current()
        ops = sorted(app.session.operators, key=lambda op: op != current)  # stable: list order
        return [(op == current, c) for op in ops for c in operator_commands(app, op)]

    async def discover(self) -> Hits:
        for _, (title, help_text, callback) in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for mine, (title, help_text, callback) in self._commands():
            score = matcher.match(title)
            if score > 0:
                # the operator in view wins a tie with the same command of another one
                yield Hit(score if mine else score * 0.95, matcher.highlight(title), callback,
                          help=help_text)  # fmt: skip
