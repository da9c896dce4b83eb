"""Add, edit, copy and remove operators: the configure form in, a running operator out.

A mixin of `MosaicApp`, which supplies the session, the panes and `add_operator`.
"""

from __future__ import annotations

from textual import work

from mosaic_tui.app.widgets.operator_list import OperatorList
from mosaic_tui.core import OperatorConfig


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

    @work(group="operators", exit_on_error=False)
    async def action_remove(self) -> None:
        op = self.selected()
        if op is None:
            return
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
