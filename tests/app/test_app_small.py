"""Small terminals: the frames get the room, the footer keeps Quit, whose move stays readable."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.demo import demo_operators
from mosaic_tui.app.widgets.frame_pane import FramePane
from mosaic_tui.core import OperatorConfig, WorkerAssignment


def human_lake() -> OperatorConfig:
    return OperatorConfig.single_agent(
        "op_h", "Me", "human", "human", env_name="toytext", task="FrozenLake-v1", max_steps=50
    )


def started(app: MosaicApp, n: int) -> bool:
    return len(app.session.runners) == n and all(
        r.env is not None and r.episode >= 0 for r in app.session.runners.values()
    )


def footer_keys(app: MosaicApp) -> list[str]:
    return [k.action for k in app.query(FooterKey) if k.display and k.region.width > 0]


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_small_terminals_give_frames_the_room(
    tmp_path: Path, wait_until, size: tuple[int, int]
) -> None:
    app = MosaicApp([*demo_operators(), human_lake()], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: started(app, 3))
        await pilot.pause(0.3)
        width, height = size
        assert not app.query_one("#sidebar").display  # the list hides itself...
        assert "paused" in str(app.query_one("#status-line", Static).render())  # ...state stays
        panes = list(app.query(FramePane))
        assert sum(p.region.width for p in panes) >= width - len(panes)  # all the width
        keys = footer_keys(app)
        assert "quit" in keys and "command_palette" in keys
        assert "toggle_run" in keys
        last = max(k.region.right for k in app.query(FooterKey) if k.display)
        assert last <= width  # nothing cut off at the right
        human = app.query_one("#pane-op_h", FramePane)
        status = str(human.query_one("#status", Static).render())
        assert status.endswith("your move") and len(status) <= human.size.width - 2
        await pilot.press("b")  # the list on demand
        await pilot.pause()
        assert app.query_one("#sidebar").display


def human_tictactoe(op: str) -> OperatorConfig:
    return OperatorConfig.multi_agent(
        op,
        "You vs baseline",
        "pettingzoo_classic",
        "tictactoe_v3",
        {
            "player_1": WorkerAssignment("human", "human"),
            "player_2": WorkerAssignment("baseline_worker", "baseline", {"behavior": "noop"}),
        },
    )


async def test_a_board_shows_whole_in_a_short_pane(tmp_path: Path, wait_until) -> None:
    """Four boards at 60x20: the key legend gives up its lines, the board keeps all of its."""
    ops = [human_tictactoe(f"t{i}") for i in range(4)]
    app = MosaicApp(ops, log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_until(pilot, lambda: started(app, 4))
        pane = app.query_one("#pane-t0", FramePane)
        pane.focus()
        await pilot.press("7")  # X at 7: the bottom row must be on screen to see it
        await wait_until(pilot, lambda: app.session.runners["t0"].step_index >= 2)
        await pilot.pause(0.3)
        board, legend = pane.query_one("#board", Static), pane.query_one("#legend", Static)
        rows = str(board.render()).splitlines()
        assert len(rows) == 3 and rows[2].startswith("X")
        assert board.region.height >= 3  # all three rows are drawn
        assert legend.region.height < 3  # the legend gave up lines (it wraps to 3 here)
        inside = pane.content_region
        parts = [pane.query_one("#status"), board, pane.query_one("#note"), legend]
        assert sum(p.region.height for p in parts if p.display) <= inside.height


@pytest.mark.parametrize(
    ("height", "board", "note", "box", "legend", "want"),
    [
        (20, 10, "you play white", True, "type a move (e2e4 or Nf3)", (1, 1, False)),  # room
        (16, 10, "you play white", True, "type a move (e2e4 or Nf3)", (1, 1, False)),
        (15, 10, "you play white", True, "type a move", (0, 1, False)),  # legend goes first
        (14, 10, "black played d5 · you play white", True, "keys", (0, 1, True)),  # note wrapped
        (12, 10, "you play white", True, "keys", (0, 1, True)),  # box loses its border
        (6, 3, "you play X", False, "1-9 play that cell, as on a phone keypad", (1, 1, False)),
    ],
)
def test_board_room_gives_way_in_order(height, board, note, box, legend, want) -> None:
    from mosaic_tui.app.layout import board_room

    assert board_room(height, 26, board, note, box, legend) == want


async def test_a_failed_board_pane_shows_why_not_the_position() -> None:
    app = MosaicApp([])
    async with app.run_test(size=(80, 24)) as pilot:
        pane = FramePane("g", "game")
        await app.query_one("#grid").mount(pane)
        board = pane.query_one("#board", Static)
        board.update("X O X\n4 5 6\n7 8 9")
        pane.add_class("-board")
        await pilot.pause()
        assert board.region.height > 0  # a board pane shows its board ...
        pane.show_error("env_worker[tictactoe_v3] is not running (killed by SIGKILL)")
        await pilot.pause()
        assert board.region.height == 0  # ... until it fails: then the error has the room
        assert pane.query_one("#error", Static).region.height > 0


async def test_a_failed_human_pane_gives_its_legend_and_move_box_room_to_the_error() -> None:
    """A human's pane that failed: its keys play nothing, so the legend and the move box go,
    and a short pane still shows how to restart, why it stopped and where the log is."""
    from mosaic_tui.app.drawing import error_text
    from mosaic_tui.app.markup import escape
    from mosaic_tui.runtime import WorkerError

    app = MosaicApp([])
    async with app.run_test(size=(60, 20)) as pilot:
        pane = FramePane("g", "game")
        await app.query_one("#grid").mount(pane)
        pane.show_legend("1-9 play that cell, as on a phone\nkeypad: 1 2 3 is the top row")
        pane.box.display = True
        await pilot.pause()
        legend = pane.query_one("#legend", Static)
        assert legend.region.height > 0
        error = WorkerError(
            "rl_worker[player_2] is not running (killed by SIGKILL)",
            log_path=Path("/tmp/state/logs/rl_worker.log"),
            log_tail=[f"line {i} of a long traceback" for i in range(12)],
        )
        pane.show_error(error_text(str(error)))
        await pilot.pause()
        assert legend.region.height == 0 and not pane.box.display
        lines = error_text(str(error)).splitlines()
        # why first (eight panes at 120x40 cut the rest), then where the log is
        assert "e edit" in lines[0]
        assert lines[1] == escape("rl_worker[player_2] is not running (killed by SIGKILL)")
        assert lines[2] == "log: /tmp/state/logs/rl_worker.log"
        assert pane.query_one("#error", Static).region.height >= 3  # those lines are seen
