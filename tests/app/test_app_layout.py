"""Pure pieces of the app: pane layout, operator names, key maps, palette commands."""

from __future__ import annotations

from mosaic_tui.app.layout import best_columns, describe, fit_status, pane_status
from mosaic_tui.core import OperatorConfig, WorkerAssignment
from mosaic_tui.envs import keymaps


def test_columns_give_frames_the_most_room() -> None:
    assert best_columns(1, 90, 39) == 1
    assert best_columns(2, 90, 39) == 2  # side by side: 44 wide each, 37 rows (74 px) tall
    assert best_columns(2, 40, 60) == 1  # narrow and tall: stacked
    assert best_columns(4, 90, 39) == 2  # 2x2
    # wide and short: one row of six (30 px each) beats 3x2 (rows 13 cells = 26 px tall)
    assert best_columns(6, 200, 30) == 6
    assert best_columns(6, 120, 60) == 3  # 3x2: 37 px wide; 2x3 is 18 rows = 36 px
    assert best_columns(0, 90, 39) == 1


def test_describe_names_players_by_behaviour_or_type() -> None:
    one = OperatorConfig.single_agent(
        "a", "A", "baseline_worker", "baseline", settings={"behavior": "cycling"}
    )
    assert describe(one) == "Cycling"
    team = OperatorConfig.multi_agent(
        "t",
        "T",
        "pettingzoo_classic",
        "chess_v6",
        {
            "player_0": WorkerAssignment("human", "human"),
            "player_1": WorkerAssignment("baseline_worker", "baseline", {"behavior": "random"}),
        },
    )
    assert describe(team) == "Human + Random"


def test_keymaps_resolve_by_label() -> None:
    minigrid = ["left", "right", "forward", "pickup", "drop", "toggle", "done"]
    keys = keymaps.keymap("MiniGrid-Empty-8x8-v0", minigrid)
    assert (keys["left"], keys["up"], keys["space"], keys["enter"]) == (0, 2, 3, 6)
    assert keys["1"] == 0 and keys["7"] == 6  # digits always pick by number
    taxi = ["south", "north", "east", "west", "pickup", "dropoff"]
    keys = keymaps.keymap("Taxi-v4", taxi)
    assert (keys["down"], keys["up"], keys["p"], keys["d"]) == (0, 1, 4, 5)
    assert "↑ forward" in keymaps.legend("BabyAI-GoToRedBall-v0", minigrid)
    # an env without a map still plays by number, and says so
    assert keymaps.legend("Unknown-v0", ["a", "b"]) == "1 a  2 b"


def test_every_binding_is_a_palette_command_that_says_what_it_does() -> None:
    from mosaic_tui.app.app import MosaicApp
    from mosaic_tui.app.commands import HIDDEN, binding_commands

    app = MosaicApp([])
    commands = {c.title: c.help for c in binding_commands(app)}
    actions = [b for b in MosaicApp.BINDINGS if b.action not in HIDDEN]
    assert len(commands) == len(actions)  # every key of the app is in the palette
    assert {"Run/Pause", "Step", "Reset", "Add", "Edit", "Copy", "Remove", "List"} <= set(commands)
    for help_text in commands.values():  # a description, not just the key again
        assert not help_text.startswith("key:") and len(help_text.split()) >= 4
    assert commands["Faster"].endswith("(key +)")
    assert "Quit" not in commands


def test_status_lines_drop_progress_before_whose_move_it_is() -> None:
    from mosaic_tui.app.layout import fit_status, pane_status

    line = pane_status(0, 12, 0.5, "paused", 0, human=True, awaiting_key=True)
    assert line == "ep 1 · t 12 · R 0.50 · your move"
    assert fit_status(line, 40) == line
    assert fit_status(line, 20) == "R 0.50 · your move"
    assert fit_status(line, 9) == "your move"
    assert fit_status(line, 5) == "your…"


def test_an_llm_players_answers_sit_after_the_progress_and_go_before_the_rate() -> None:
    from mosaic_tui.app.view import decisions_text
    from mosaic_tui.core.decisions import DecisionStats

    one, two = DecisionStats(), DecisionStats()
    one.add({"replies": 1, "valid": True, "latency_ms": 800.0})
    two.add({"replies": 3, "valid": False, "fallback": "random_legal", "latency_ms": 1600.0})
    text = decisions_text({"player_1": one, "player_2": two})  # both LLM seats together
    assert text == "LLM 1/2 ok 1 fallback 1.2s"
    assert decisions_text({}) == ""
    status = pane_status(0, 3, 0.5, "running", 4.0, human=False, awaiting_key=False,
                         decisions=text)  # fmt: skip
    assert status == "ep 1 · t 3 · R 0.50 · LLM 1/2 ok 1 fallback 1.2s · 4 steps/s"
    assert fit_status(status, 40) == "LLM 1/2 ok 1 fallback 1.2s · 4 steps/s"  # progress goes first


def test_a_simultaneous_step_names_the_humans_next_and_the_ais_it_waits_for() -> None:
    from mosaic_tui.app.layout import pane_status

    line = pane_status(0, 2, 0.0, "running", 0, human=True, awaiting_key=True,
                       holder="player_0", waiting=["player_2"], then=["player_1"])  # fmt: skip
    assert line == "ep 1 · t 2 · R 0.00 · player_0's move · then player_1 · waiting for player_2"
    paused = pane_status(0, 2, 0.0, "paused", 0, human=True, awaiting_key=False,
                         holder="player_0", waiting=["player_2"], then=["player_1"])  # fmt: skip
    assert paused == "ep 1 · t 2 · R 0.00 · waiting for player_2"  # nobody is asked now


def test_an_operator_on_another_host_says_where_in_its_title() -> None:
    from mosaic_tui.app.layout import hosts_of, pane_title
    from mosaic_tui.core import OperatorConfig, WorkerAssignment

    here = OperatorConfig.single_agent(
        "near", "Near", "baseline_worker", "baseline", env_name="minigrid",
        task="MiniGrid-Empty-8x8-v0", settings={"behavior": "random"},
    )  # fmt: skip
    assert hosts_of(here) == [] and "@" not in pane_title(here)
    far = here.replace(host="user@box")
    assert pane_title(far).startswith("Near @user@box · ")  # before what a narrow pane cuts
    players = {
        "player_1": WorkerAssignment("baseline_worker", "baseline", {}, host="gpu1"),
        "player_2": WorkerAssignment("baseline_worker", "baseline", {}, host=""),  # here
    }
    split = OperatorConfig.multi_agent("ttt", "TTT", "pettingzoo_classic", "tictactoe_v3", players)
    assert hosts_of(split) == ["gpu1"]
    assert hosts_of(split.replace(host="box")) == ["box", "gpu1"]


async def test_the_list_row_of_a_remote_operator_names_its_host(tmp_path, wait_until) -> None:
    from mosaic_tui.app.app import MosaicApp
    from mosaic_tui.app.demo import demo_operators
    from mosaic_tui.app.widgets.operator_list import OperatorList

    first, second = demo_operators()
    far = second.replace(host="nohost.invalid")  # it fails to start: the row stays, saying so
    app = MosaicApp([first, far], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        rows = app.query_one(OperatorList)
        await wait_until(pilot, lambda: rows.option_count == 2, timeout=30)
        text = str(rows.get_option("op_1").prompt)
        assert "@nohost.invalid" in text
        assert "@" not in str(rows.get_option("op_0").prompt)
        await pilot.press("q")


def test_a_list_row_fits_wide_characters_by_cells() -> None:
    """你好 and emoji take two cells each: a row cut by characters overflowed its width and
    the list wrapped the state onto a line of its own."""
    from rich.cells import cell_len

    from mosaic_tui.app.widgets.operator_list import row

    text = row("🤖 Робот 你好你好你好你好 end", "任务" * 20, "running", 0, 0, 0.0, 28)
    lines = text.plain.split("\n")
    assert len(lines) == 3
    assert lines[0].endswith(" running") and cell_len(lines[0]) == 28
    assert "…" in lines[0] and cell_len(lines[1]) <= 28


def test_a_legend_too_long_for_its_lines_keeps_whole_parts() -> None:
    from mosaic_tui.app.layout import whole_parts, wrapped_lines

    legend = "type a move, enter plays · e2e4 or Nf3 (→ completes) · v: frame · esc: list"
    assert whole_parts(legend, 100, 1) == legend  # it fits
    assert whole_parts(legend, 40, 2) == legend  # wrapped, it takes two lines
    cut = whole_parts(legend, 60, 1)
    assert cut == "type a move, enter plays · e2e4 or Nf3 (→ completes)"
    assert wrapped_lines(cut, 60) == 1
    first = "type a move, enter plays"
    assert whole_parts(legend, 15, 2) == first  # "type a move," / "enter plays"
    assert whole_parts(legend, 10, 1) == first  # the first part stays, cut by the widget


async def test_a_chess_pane_at_60x20_shows_its_legend_in_whole_parts(
    tmp_path, wait_until
) -> None:
    """Three panes at 60x20: the legend had two of its lines, cut mid-sentence ("type a move
    (e2e4 or Nf3; →"); now it shows the hints that fit whole."""
    from textual.widgets import Static

    from mosaic_tui.app.app import MosaicApp
    from mosaic_tui.app.demo import demo_operators
    from mosaic_tui.app.widgets.frame_pane import FramePane
    from mosaic_tui.core import OperatorConfig, WorkerAssignment

    chess = OperatorConfig.multi_agent(
        "chess", "You vs random", "pettingzoo_classic", "chess_v6",
        {"player_0": WorkerAssignment("human", "human"),
         "player_1": WorkerAssignment("baseline_worker", "baseline", {"behavior": "random"})},
    )  # fmt: skip
    app = MosaicApp([chess, *demo_operators()], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(60, 20)) as pilot:
        pane = app.query_one("#pane-chess", FramePane)
        await wait_until(pilot, lambda: "chess" in app.session.runners and pane._legend != "")
        await pilot.pause(0.3)
        full = pane._legend
        shown = str(pane.query_one("#legend", Static).content)
        parts = full.split(" · ")
        assert shown != full  # too little room for all of it here
        assert any(shown == " · ".join(parts[:n]) for n in range(1, len(parts))), shown
        await pilot.press("q")


def test_a_slow_player_is_named_instead_of_the_rate() -> None:
    from mosaic_tui.app.layout import pane_status

    line = pane_status(0, 4, 0.0, "running", 0.0, human=False, awaiting_key=False,
                       thinking=["player_1"])  # fmt: skip
    assert line == "ep 1 · t 4 · R 0.00 · player_1 thinking…"  # not "0 steps/s"
    assert pane_status(0, 4, 0.0, "running", 3.0, human=False, awaiting_key=False).endswith(
        "3 steps/s"
    )
