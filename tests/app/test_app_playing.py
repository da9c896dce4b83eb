"""A human playing in the app: keys are moves, moves are shown, the end of an episode is seen.

Pilot drives the real app and its real workers (issue 8)."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

from llm_worker.mock_server import serve
from test_app_pilot import human_lake, started
from textual.widgets import Input, Static

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.demo import demo_operators
from mosaic_tui.app.operator_actions import ConfirmRemove
from mosaic_tui.app.view import outcome_text
from mosaic_tui.app.widgets.frame_pane import FramePane
from mosaic_tui.app.widgets.move_box import resolve_move
from mosaic_tui.core import OperatorConfig, WorkerAssignment
from mosaic_tui.runtime import EpisodeEnded


def tictactoe(behavior: str = "noop") -> OperatorConfig:
    """You (X, player_1) against a baseline; `noop` plays the first free square (by action)."""
    return OperatorConfig.multi_agent(
        "ttt",
        "You vs baseline",
        "pettingzoo_classic",
        "tictactoe_v3",
        {
            "player_1": WorkerAssignment("human", "human"),
            "player_2": WorkerAssignment("baseline_worker", "baseline", {"behavior": behavior}),
        },
    )


def text(widget: Static) -> str:
    return str(widget.render())


async def test_tictactoe_keys_read_row_by_row_like_a_keypad(tmp_path: Path, wait_until) -> None:
    app = MosaicApp([tictactoe()], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 1))
        runner = app.session.runners["ttt"]
        pane = app.query_one("#pane-ttt", FramePane)
        board = pane.query_one("#board", Static)
        assert text(board).splitlines() == ["1 2 3", "4 5 6", "7 8 9"]  # what the keys say
        pane.focus()
        await pilot.press("2")  # top row, middle
        await wait_until(pilot, lambda: runner.step_index == 2)
        await wait_until(pilot, lambda: "X" in text(board))
        # noop answers with the first free action, 0: the top-left cell
        assert text(board).splitlines() == ["O X 3", "4 5 6", "7 8 9"]
        await pilot.press("q")


async def test_the_ai_move_is_named_and_the_end_is_held_until_a_key(
    tmp_path: Path, wait_until
) -> None:
    app = MosaicApp([tictactoe()], log_dir=tmp_path, autorun=True)  # running: the loop plays
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 1))
        runner = app.session.runners["ttt"]
        pane = app.query_one("#pane-ttt", FramePane)
        note = pane.query_one("#note", Static)
        pane.focus()
        await pilot.press("2")
        await wait_until(pilot, lambda: "O played" in text(note))
        assert "O played 1" in text(note) and "you play X" in text(note)
        await pilot.press("5")
        await wait_until(pilot, lambda: "O played 4" in text(note))
        await pilot.press("8")  # the middle column: X wins
        await wait_until(pilot, lambda: "won" in text(note))
        shown = text(note)
        assert "You won" in shown and "X (you) won +1" in shown and "O lost -1" in shown
        assert "next episode" in shown
        status = text(pane.query_one("#status", Static))
        assert "R 1.00" in status and "your move" not in status  # the human's own return
        await pilot.pause(1.0)  # running, yet the final position stays on screen
        assert runner.episode_over and runner.episodes_begun == 1
        assert text(pane.query_one("#board", Static)).splitlines()[1] == "O X 6"
        await pilot.press("5")  # any key goes on; it is not a move
        await wait_until(pilot, lambda: runner.episodes_begun == 2)
        await wait_until(pilot, lambda: "won" not in text(note))
        assert runner.step_index == 0 and runner.human_to_move
        await pilot.press("q")


async def test_reaching_the_minigrid_goal_is_shown_with_its_return(
    tmp_path: Path, wait_until
) -> None:
    you = OperatorConfig.single_agent(
        "you",
        "You",
        "human",
        "human",
        env_name="minigrid",
        task="MiniGrid-Empty-6x6-v0",
        settings={},
        max_steps=60,
    )
    robot = demo_operators()[0]  # an operator without humans keeps its pace
    app = MosaicApp([you, robot], log_dir=tmp_path, autorun=True, pace=10)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 2))
        runner, other = app.session.runners["you"], app.session.runners[robot.operator_id]
        pane = app.query_one("#pane-you", FramePane)
        pane.focus()
        for key in ("up", "up", "up", "right", "up", "up", "up"):  # to the goal, bottom right
            before = runner.step_index
            await pilot.press(key)
            await wait_until(pilot, lambda before=before: runner.step_index > before)
        note = pane.query_one("#note", Static)
        await wait_until(pilot, lambda: "goal" in text(note))
        assert "You reached the goal · return 0.956" in text(note)
        frames = pane.view.frames_shown
        progress = lambda: (other.episodes_begun, other.step_index)  # noqa: E731
        robot = progress()
        await pilot.pause(1.0)
        assert runner.episode_over and runner.episodes_begun == 1  # held
        assert pane.view.frames_shown == frames  # the final frame stays
        assert progress() != robot  # the operator without a human kept its pace
        await pilot.press("left")
        await wait_until(pilot, lambda: runner.episodes_begun == 2)
        assert runner.step_index == 0  # the key began the episode; it was not a move
        await pilot.press("q")


async def test_paused_the_end_waits_for_a_key_too(tmp_path: Path, wait_until) -> None:
    app = MosaicApp([tictactoe()], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 1))
        runner = app.session.runners["ttt"]
        pane = app.query_one("#pane-ttt", FramePane)
        pane.focus()
        for key in "258":
            before = runner.step_index
            await pilot.press(key)
            await wait_until(
                pilot,
                lambda before=before: (
                    runner.step_index > before and (runner.human_to_move or runner.episode_over)
                ),
            )
        await wait_until(pilot, lambda: "You won" in text(pane.query_one("#note", Static)))
        assert runner.episodes_begun == 1
        await pilot.press("enter")
        await wait_until(pilot, lambda: runner.episodes_begun == 2)
        await pilot.press("q")


def test_outcomes_name_the_sides_and_the_result() -> None:
    def runner(task: str, players: dict[str, bool], rewards: dict[str, float], **end) -> object:
        ended = EpisodeEnded(
            "op", "run", 0, 1, sum(rewards.values()), end.get("length", 9),
            end.get("terminated", True), end.get("truncated", False), 0.0, 1.0,
            rewards if len(players) > 1 else None,
        )  # fmt: skip
        return SimpleNamespace(
            config=SimpleNamespace(task=task),
            env=None,
            players=players,
            humans=[a for a, human in players.items() if human],
            returns=dict(rewards),
            last_end=ended,
        )

    lost = outcome_text(
        runner("chess_v6", {"player_0": False, "player_1": True}, {"player_0": 1, "player_1": -1})
    )
    assert "You lost" in lost and "white won +1" in lost and "black (you) lost -1" in lost
    seats = {"player_1": True, "player_2": False}
    draw = outcome_text(runner("tictactoe_v3", seats, {"player_1": 0, "player_2": 0}))
    assert "Draw" in draw and "X (you) 0" in draw and "O 0" in draw
    late = outcome_text(
        runner("MiniGrid-Empty-6x6-v0", {"agent": True}, {"agent": 0.0}, truncated=True, length=60)
    )
    assert "Time's up" in late and "60 steps" in late and "return 0" in late
    hole = outcome_text(runner("FrozenLake-v1", {"agent": True}, {"agent": 0.0}))
    assert "You lost" in hole


async def test_letters_on_a_human_pane_are_not_app_commands(tmp_path: Path, wait_until) -> None:
    app = MosaicApp([human_lake()], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 1))
        pane = app.query_one("#pane-op_h", FramePane)
        await wait_until(pilot, lambda: pane.human)
        pane.focus()
        await pilot.press("x", "b", "q")  # remove, sidebar, quit: none of them here
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ConfirmRemove)
        assert "op_h" in app.session.runners and app.is_running
        assert app.query_one("#sidebar").display
        keys = {b.binding.key for b in app.screen.active_bindings.values() if b.binding.show}
        assert "x" not in keys and "b" not in keys and "escape" in keys  # the footer agrees
        assert "ctrl+q" in keys  # ... and still offers a way out
        await pilot.press("ctrl+c")  # the reflex: it says which key quits here, as text
        assert app.is_running
        assert [n.message for n in app._notifications][-1] == (
            "Press ctrl+q to stop every worker and quit"
        )
        await pilot.press("escape")  # back to the list, where letters are commands again
        assert app.focused is not pane
        await pilot.press("ctrl+c")
        assert [n.message for n in app._notifications][-1] == (
            "Press q to stop every worker and quit"
        )
        await pilot.press("b")
        assert not app.query_one("#sidebar").display
        await pilot.press("q")


async def test_the_chess_move_box_keeps_focus_while_black_thinks(
    tmp_path: Path, wait_until
) -> None:
    server = serve(0, "random", 0, 1.0)  # an opponent that takes a second per move
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/v1"
    chess = OperatorConfig.multi_agent(
        "chess",
        "You vs a slow LLM",
        "pettingzoo_classic",
        "chess_v6",
        {
            "player_0": WorkerAssignment("human", "human"),
            "player_1": WorkerAssignment("llm_worker", "llm", {"model": "mock", "base_url": url}),
        },
    )
    app = MosaicApp([chess], log_dir=tmp_path, autorun=True)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: started(app, 1))
            runner = app.session.runners["chess"]
            pane = app.query_one("#pane-chess", FramePane)
            box = pane.query_one("#move", Input)
            await wait_until(pilot, lambda: box.display)
            assert "→ completes" in box.placeholder and "tab" not in box.placeholder
            pane.focus()
            await pilot.press(*"e4")  # typed at the pane: it goes into the box
            assert app.focused is box and box.value == "e4"
            await pilot.press("enter")
            await wait_until(pilot, lambda: runner.to_move == "player_1")  # black thinks
            app.drawing.refresh_status()
            await pilot.pause()
            assert box.display and app.focused is box  # the box stays, and so does focus
            # after half a second the pane says whom it waits for (not "0 steps/s")
            status = pane.query_one("#status", Static)
            await wait_until(pilot, lambda: "player_1 thinking…" in text(status), timeout=5)
            await pilot.press(*"Qxd5", "b")  # typed ahead: text, not commands
            assert box.value == "Qxd5b"
            box.value = ""
            shown = pane.has_class("-board")
            await pilot.press("v")  # in an empty box: the legend's "v: frame", not text
            assert box.value == "" and pane.has_class("-board") is not shown
            assert app.focused is box and app.screen is pane.screen
            assert "chess" in app.session.runners and app.query_one("#sidebar").display
            note = pane.query_one("#note", Static)
            await wait_until(pilot, lambda: "black played" in text(note), timeout=30)
            assert runner.human_to_move and "you play white" in text(note)
            assert app.focused is box
            await wait_until(pilot, lambda: "thinking" not in text(status))  # its move came
            await pilot.press("q")
    finally:
        server.shutdown()


async def test_remove_asks_first(tmp_path: Path, wait_until) -> None:
    app = MosaicApp(demo_operators(), log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 2))
        app.query_one("#pane-op_1", FramePane).focus()
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmRemove))
        assert "Remove operator op_1" in text(app.screen.query_one("#question", Static))
        await pilot.press("n")  # keep it
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ConfirmRemove)
        assert "op_1" in app.session.runners and len(app.query(FramePane)) == 2
        app.query_one("#pane-op_1", FramePane).focus()
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmRemove))
        await pilot.press("y")
        await wait_until(pilot, lambda: "op_1" not in app.session.runners)
        await wait_until(pilot, lambda: len(app.query(FramePane)) == 1)
        await pilot.press("q")


def test_a_typed_move_may_leave_out_check_marks_and_case() -> None:
    names = ["Bb5+", "b4", "e2e4", "e4", "Qxf7#", "O-O"]
    assert resolve_move("Bb5", names) == "Bb5+"  # SAN adds + for a check; nobody types it
    assert resolve_move("qxf7", names) == "Qxf7#"
    assert resolve_move("E2E4", names) == "e2e4"
    assert resolve_move("b4", names) == "b4" and resolve_move("B4", names) == "b4"
    assert resolve_move("Bc4", names) is None
