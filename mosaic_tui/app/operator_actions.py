"""Add, edit, copy and remove operators: the configure form in, a running operator out; and
pause, step or reset one operator (the palette's per-operator commands, `commands.py`).

A mixin of `MosaicApp`, which supplies the session, the panes and `add_operator`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from mosaic_tui.app.markup import escape
from mosaic_tui.app.widgets.operator_list import OperatorList
from mosaic_tui.core import OperatorConfig

if TYPE_CHECKING:
    from mosaic_tui.app.drawing import OperatorDrawing
    from mosaic_tui.app.screen_layout import ScreenLayout
    from mosaic_tui.app.widgets.frame_pane import FramePane
    from mosaic_tui.runtime import Session


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
    """The operator-management actions of the app (see `MosaicApp`).

    A mixin, not a helper the app owns: four are `action_*` methods Textual dispatches on the
    app, four are `@work` workers (which belong to a DOM node), and the palette and tests call
    the per-operator ones on the app. What it uses of its app is declared here; Textual's own
    (`notify`, `push_screen`, `query_one`) comes from `App`."""

    session: Session  # its `operators`: every operator on screen, started or not
    drawing: OperatorDrawing
    screen_layout: ScreenLayout

    if TYPE_CHECKING:

        def add_operator(self, config: OperatorConfig, at: int | None = None) -> None: ...
        def pane(self, operator_id: str) -> FramePane | None: ...
        def selected(self) -> str | None: ...
        def notify(self, message: str, **kw: Any) -> None: ...
        def push_screen(self, screen: Any, callback: Any = None) -> Any: ...
        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...

    def action_add(self) -> None:
        from mosaic_tui.app.screens.configure import ConfigureScreen

        op_id = self.new_operator_id()
        self.push_screen(ConfigureScreen(op_id), self._configured)

    def action_edit(self) -> None:
        op = self.selected()
        if op is None:
            self.notify("no operator selected", severity="warning")
            return
        self.edit_operator(op)

    def edit_operator(self, op: str) -> None:
        """The configure form for `op`; saving it restarts the operator."""
        from mosaic_tui.app.screens.configure import ConfigureScreen

        entry = self.session.operators.get(op)
        if entry is not None:
            self.push_screen(ConfigureScreen(op, entry.config), self._configured)

    def action_duplicate(self) -> None:
        op = self.selected()
        if op is None:
            return
        config = self.session.operators[op].config
        copy = config.replace(
            operator_id=self.new_operator_id(),
            run_id=None,
            display_name=f"{config.display_name} (copy)",
        )
        self.add_operator(copy)
        self.query_one(OperatorList).choose(copy.operator_id)

    def action_remove(self) -> None:
        """Ask first: a removed operator's workers stop and its episode is gone."""
        op = self.selected()
        if op is not None:
            self.ask_remove(op)

    def ask_remove(self, op: str) -> None:
        """`Remove operator op? y/n`, then remove it."""
        entry = self.session.operators.get(op)
        config = entry.config if entry is not None else None
        name = f"{op} ({config.display_name})" if config and config.display_name != op else op

        def answered(remove: bool | None) -> None:
            if remove and op in self.session.operators:
                self._remove(op)

        self.push_screen(ConfirmRemove(op, name), answered)

    @work(group="operators", exit_on_error=False)
    async def _remove(self, op: str) -> None:
        await self.remove_operator(op)

    async def remove_operator(self, op: str) -> None:
        await self.session.remove(op)
        self.query_one(OperatorList).drop(op)
        pane = self.pane(op)
        if pane is not None:
            await pane.remove()
        self.screen_layout.relayout()

    # ------------------------------------------------------------------ one operator

    def _live_runner(self, op: str) -> Any:
        """The operator's runner if it runs (started, not failed); else say why, and None."""
        entry = self.session.operators.get(op)
        runner = entry.seat.runner if entry is not None and entry.seat is not None else None
        if entry is None or runner is None or entry.state in ("error", "pending"):
            self.notify(f"{op} is not running (starting, or stopped by an error)", timeout=3)
            return None
        return runner

    def pause_operator(self, op: str) -> None:
        """Pause this operator only; the others go on (run/pause all takes it along)."""
        if self._live_runner(op) is None:
            return
        self.session.pause_one(op)
        self.drawing.refresh_status()

    def resume_operator(self, op: str) -> None:
        """Resume an operator paused on its own, while the session runs."""
        if self._live_runner(op) is None:
            return
        if not self.session.resume_one(op):
            self.notify("the session is paused: space runs every operator", timeout=3)
        self.drawing.refresh_status()

    @work(group="controls", exit_on_error=False)
    async def step_operator(self, op: str) -> None:
        """One step of this operator (pausing it first); a human's move is theirs to play."""
        if self._live_runner(op) is None:
            return
        self.screen_layout.request_frame_sizes()
        refused = await self.session.step_one(op)
        if refused:
            self.notify(escape(refused), timeout=3)
        self.drawing.refresh_status()

    @work(group="controls", exit_on_error=False)
    async def reset_operator(self, op: str) -> None:
        """A new episode of this operator, with its next seed; the others go on."""
        if self._live_runner(op) is None:
            return
        self.screen_layout.request_frame_sizes()
        await self.session.reset_one(op)
        self.drawing.refresh_status()

    def new_operator_id(self) -> str:
        taken = set(self.session.operators)
        return next(f"op_{i}" for i in range(len(taken) + 1) if f"op_{i}" not in taken)

    @work(group="operators", exit_on_error=False)
    async def _configured(self, config: OperatorConfig | None) -> None:
        if config is None:
            return
        at = None
        if config.operator_id in self.session.operators:  # edited: it keeps its place
            at = list(self.session.operators).index(config.operator_id)
            await self.remove_operator(config.operator_id)
        self.add_operator(config, at)
        self.query_one(OperatorList).choose(config.operator_id)  # the next key acts on it
