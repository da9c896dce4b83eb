"""Editing an operator: Save pressed before the player rows have loaded saves what the rows
say once they have (it restarted the operator with a 'Select.NULL' behaviour, and editing that
crashed the app); the edited operator stays the highlighted one (the next key acts on it)."""

from __future__ import annotations

from pathlib import Path

from test_app_pilot import started
from textual.widgets import Select

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.demo import demo_operators
from mosaic_tui.app.screens.configure import ConfigureScreen
from mosaic_tui.app.widgets.operator_list import OperatorList
from mosaic_tui.core import WorkerAssignment
from mosaic_tui.protocol.worker_settings import BEHAVIORS


async def test_save_at_once_after_edit_saves_the_rows_and_keeps_the_operator_chosen(
    tmp_path: Path, wait_until
) -> None:
    app = MosaicApp(demo_operators(), log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 2))
        rows = app.query_one(OperatorList)
        rows.focus()
        assert rows.selected == "op_0"
        old = app.session.runners["op_0"]
        await pilot.press("e", "ctrl+s")  # no wait for the player rows
        await wait_until(
            pilot, lambda: app.session.runners.get("op_0") not in (None, old) and started(app, 2)
        )
        config = app.session.operators["op_0"].config
        behavior = config.workers["agent"].settings["behavior"]
        assert behavior in BEHAVIORS and behavior == "random"  # as it was, not 'Select.NULL'
        assert app.session.operators["op_0"].error is None
        await wait_until(pilot, lambda: rows.state_of("op_0") == "paused")
        assert rows.selected == "op_0"  # not the operator below it
        await pilot.press("c")  # a copy is the one chosen next
        await wait_until(pilot, lambda: rows.state_of("op_2") is not None)
        assert rows.selected == "op_2"
        await pilot.press("q")


async def test_editing_an_operator_with_an_unknown_behaviour_opens_the_form(
    tmp_path: Path, wait_until
) -> None:
    """A behaviour the row does not offer is shown as the default, to fix: no crash."""
    first, second = demo_operators()
    agent = first.workers["agent"]
    bad = first.replace(
        workers={"agent": WorkerAssignment(agent.worker_id, agent.worker_type,
                                           {"behavior": "Select.NULL"})}  # fmt: skip
    )
    app = MosaicApp([bad, second], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: "op_0" in app.session.operators)
        await wait_until(pilot, lambda: app.session.operators["op_0"].state == "error")
        app.query_one(OperatorList).focus()
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfigureScreen))
        screen = app.screen
        await wait_until(pilot, lambda: bool(screen.query("#player-agent")))
        await pilot.pause()
        assert screen.query_one("#player-agent .behavior", Select).value == "random"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: started(app, 2))
        assert app.session.operators["op_0"].error is None
        await pilot.press("q")
