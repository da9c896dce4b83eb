"""An LLM player in the app: the form asks for its model and endpoint, and a game with a human,
a baseline and an LLM seat plays through the real workers (the mock endpoint in a thread)."""

from __future__ import annotations

from pathlib import Path

from llm_worker.mock_server import start
from test_app_pilot import open_form, started
from textual.widgets import Input, Select, Static

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.widgets.frame_pane import FramePane
from mosaic_tui.core import OperatorConfig, WorkerAssignment


async def test_the_form_asks_an_llm_player_for_its_model(tmp_path: Path, wait_until) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(
            pilot, wait_until, "pettingzoo_classic", "tictactoe_v3", "player_2"
        )
        row = "#player-player_2"
        assert not screen.query_one(f"{row} .model", Input).display  # a baseline: no model
        screen.query_one(f"{row} .type", Select).value = "llm"
        await pilot.pause()
        assert screen.query_one(f"{row} .model", Input).display
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: "needs a model" in str(screen.query_one("#problems", Static).content)
        )
        assert not app.session.runners  # nothing started
        screen.query_one(f"{row} .model", Input).value = "mock"
        screen.query_one(f"{row} .base-url", Input).value = "http://127.0.0.1:9/v1"
        await pilot.press("ctrl+s")
        try:
            await wait_until(pilot, lambda: "op_0" in app.session.runners)
        except AssertionError:
            raise AssertionError(str(screen.query_one("#problems", Static).content)) from None
        seat = app.session.runners["op_0"].config.workers["player_2"]
        assert (seat.worker_id, seat.worker_type) == ("llm_worker", "llm")
        assert seat.settings == {"model": "mock", "base_url": "http://127.0.0.1:9/v1"}
        await pilot.press("q")


async def test_a_human_plays_against_an_llm(tmp_path: Path, wait_until) -> None:
    server, url = start("first")
    game = OperatorConfig.multi_agent(
        "ttt",
        "You vs an LLM",
        "pettingzoo_classic",
        "tictactoe_v3",
        {
            "player_1": WorkerAssignment("human", "human"),
            "player_2": WorkerAssignment("llm_worker", "llm", {"model": "mock", "base_url": url}),
        },
    )
    app = MosaicApp([game], log_dir=tmp_path, autorun=False)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: started(app, 1))
            runner = app.session.runners["ttt"]
            app.query_one("#pane-ttt", FramePane).focus()
            await pilot.press("5")  # the centre (cell 5 is action 4)
            await wait_until(pilot, lambda: runner.step_index == 2)  # the LLM answered
            assert runner.to_move == "player_1" and runner.state.value != "error"
            board = "\n".join(runner.board or [])
            assert board.count("X") == 1 and board.count("O") == 1
            await pilot.press("q")
    finally:
        server.shutdown()


async def test_editing_an_llm_player_keeps_settings_the_form_has_no_field_for(
    tmp_path: Path, wait_until
) -> None:
    llm = {"model": "m", "base_url": "http://127.0.0.1:9/v1", "temperature": 0.7, "retries": 1}
    game = OperatorConfig.multi_agent(
        "ttt",
        "T",
        "pettingzoo_classic",
        "tictactoe_v3",
        {
            "player_1": WorkerAssignment("human", "human"),
            "player_2": WorkerAssignment("llm_worker", "llm", llm),
        },
    )
    app = MosaicApp([game], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 1))
        await pilot.press("e")
        await wait_until(pilot, lambda: bool(app.screen.query("#player-player_2")))
        await pilot.pause()
        app.screen.query_one("#player-player_2 .model", Input).value = "m2"
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: (
                app.session.runners.get("ttt") is not None
                and app.session.runners["ttt"].config.workers["player_2"].settings.get("model")
                == "m2"
            ),
        )
        kept = app.session.runners["ttt"].config.workers["player_2"].settings
        assert kept == {**llm, "model": "m2"}
        await pilot.press("q")


async def test_a_hidden_field_does_not_block_save(tmp_path: Path, wait_until) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot, wait_until, seat="agent")
        screen.query_one("#view-size", Input).value = "2"  # typed for MultiGrid, then left
        assert not screen.query_one("#multigrid-row").display
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "op_0" in app.session.runners)
        assert app.session.runners["op_0"].config.view_size is None
        await pilot.press("q")
