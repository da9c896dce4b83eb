"""Add, edit, copy and remove operators: the configure form in, a running operator out.

A mixin of `MosaicApp`, which supplies the session, the panes and `add_operator`.
"""

from __future__ import annotations

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from mosaic_tui.app.widgets.operator_list import OperatorList
from mosaic_tui.core import OperatorConfig


class ConfirmRemove(ModalScreen[bool]):
    """`Remove operator NAME? y/n`: removing stops its workers and cannot be undone."""

    DEFAULT_CSS = """
    ConfirmRemove { align: center middle; }
    ConfirmRemove > Vertical {
        width: 64; max-width: 95%; height: auto;
        border: round $error; background: $surface; padding: 0 1;
    }
    ConfirmRemove #question { margin: 1 0; }
    ConfirmRemove Horizontal { height: auto; align-horizontal: right; }
    ConfirmRemove Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Remove"),
        Binding("n,escape", "answer(False)", "Keep"),
    ]

    def __init__(self, operator_id: str, name: str) -> None:
        super().__init__()
        self.operator_id = operator_id
        self.label = name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                f"Remove operator [b]{escape(self.label)}[/b]? Its workers stop and its"
                " game is lost.  [b]y[/b] / [b]n[/b]",
                id="question",
            )
            with Horizontal():
                yield Button("Keep (n)", id="keep")
                yield Button("Remove (y)", id="remove", variant="error")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()  # enter keeps it: the safe answer

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "remove")

    def action_answer(self, remove: bool) -> None:
        self.dismiss(remove)


class OperatorActions:
    """The operator-management actions of the app (see `MosaicApp`)."""

    def action_add(self) -> None:
        from mosaic_tui.app.screens.configure import ConfigureScreen

        op_id = self.new_operator_id()
        self.push_screen(ConfigureScreen(op_id), self._configured)

    def action_edit(self) -> None:
        from mosaic_tui.app.screens.configure import ConfigureScreen

        op = self.selected()
        if op is None:
            self.notify("no operator selected", severity="warning")
            return
        self.push_screen(ConfigureScreen(op, self.configs[op]), self._configured)

    def action_duplicate(self) -> None:
        op = self.selected()
        if op is None:
            return
        config = self.configs[op]
        copy = config.replace(
            operator_id=self.new_operator_id(),
            run_id=None,
            display_name=f"{config.display_name} (copy)",
        )
        self.add_operator(copy)

    def action_remove(self) -> None:
        """Ask first: a removed operator's workers stop and its episode is gone."""
        op = self.selected()
        if op is None:
            return
        config = self.configs.get(op)
        name = f"{op} ({config.display_name})" if config and config.display_name != op else op

        def answered(remove: bool | None) -> None:
            if remove and op in self.configs:
                self._remove(op)

        self.push_screen(ConfirmRemove(op, name), answered)

    @work(group="operators", exit_on_error=False)
    async def _remove(self, op: str) -> None:
        await self.remove_operator(op)

    async def remove_operator(self, op: str) -> None:
        await self.session.remove(op)
        self.configs.pop(op, None)
        self.errors.pop(op, None)
        self.query_one(OperatorList).drop(op)
        pane = self.pane(op)
        if pane is not None:
            await pane.remove()
        self.relayout()

    def new_operator_id(self) -> str:
        taken = set(self.configs)
        return next(f"op_{i}" for i in range(len(taken) + 1) if f"op_{i}" not in taken)

    @work(group="operators", exit_on_error=False)
    async def _configured(self, config: OperatorConfig | None) -> None:
        if config is None:
            return
        if config.operator_id in self.configs:
            await self.remove_operator(config.operator_id)
        self.add_operator(config)
