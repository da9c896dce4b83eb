"""Simultaneous games in the app: two humans share one keyboard, the pane says whose it is,
and the form offers turn order where a game has both forms."""

from __future__ import annotations

from pathlib import Path

from test_app_pilot import open_form, started
from textual.widgets import Select, Static

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.widgets.frame_pane import FramePane
from mosaic_tui.core import OperatorConfig, WorkerAssignment
from mosaic_tui.runtime import StepTaken


def status(pane: FramePane) -> str:
    return str(pane.query_one("#status", Static).content)


async def test_two_humans_take_the_keyboard_in_turn(tmp_path: Path, wait_until) -> None:
    rps = OperatorConfig.multi_agent(
        "rps",
        "RPS",
        "pettingzoo_classic",
        "rps_v2",
        {p: WorkerAssignment("human", "human") for p in ("player_0", "player_1")},
        execution_mode="parallel",
    )
    app = MosaicApp([rps], log_dir=tmp_path, autorun=False)
    steps: list[StepTaken] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 1))
        app.session.listeners.append(lambda e: isinstance(e, StepTaken) and steps.append(e))
        pane = app.query_one("#pane-rps", FramePane)
        await wait_until(pilot, lambda: "player_0's move" in status(pane))
        # player_1 is a human too, at the same keyboard: next, not someone being waited for
        assert status(pane).endswith("player_0's move · then player_1")
        assert "rock" in str(pane.query_one("#legend", Static).content)
        pane.focus()
        await pilot.press("2")  # player_0: paper
        await wait_until(pilot, lambda: "player_1's move" in status(pane))
        assert status(pane).endswith("player_1's move")  # player_0 chose: only player_1 is left
        assert not steps  # nothing moves until both have chosen
        await pilot.press("1")  # player_1: rock
        await wait_until(pilot, lambda: len(steps) == 1)
        assert steps[0].actions == {"player_0": 1, "player_1": 0}
        await wait_until(pilot, lambda: "player_0's move" in status(pane))
        assert "R 0.00" in status(pane)  # zero-sum: the operator's total stays 0
        last = str(pane.query_one("#note", Static).content)
        assert "player_0 (human) [b]paper" in last and "(you)" not in last  # two share the keys
        await pilot.press("q")


async def test_the_form_offers_simultaneous_play_where_a_game_has_it(
    tmp_path: Path, wait_until
) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot, wait_until)
        assert not screen.query_one("#stepping-row").display  # MiniGrid: one player
        assert not screen.query_one("#multigrid-row").display
        screen.query_one("#family", Select).value = "pettingzoo_classic"
        await pilot.pause()
        screen.query_one("#task", Select).value = "rps_v2"
        await wait_until(pilot, lambda: bool(screen.query("#player-player_1")))
        assert screen.query_one("#stepping-row").display
        screen.query_one("#execution-mode", Select).value = "parallel"
        await pilot.pause()
        await pilot.press("ctrl+s")  # Save (a click misses while the form still lays out)
        await wait_until(pilot, lambda: started(app, 1))
        runner = app.session.runners["op_0"]
        assert runner.config.execution_mode == "parallel" and runner.simultaneous
        await pilot.press("q")
