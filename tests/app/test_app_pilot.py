"""The app as a user drives it: Pilot presses keys, the real workers run."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.demo import demo_operators
from mosaic_tui.app.screens.configure import ConfigureScreen
from mosaic_tui.app.widgets.frame_pane import FramePane
from mosaic_tui.core import OperatorConfig, OperatorState


def human_lake(op_id: str = "op_h") -> OperatorConfig:
    return OperatorConfig.single_agent(
        op_id,
        "Me on FrozenLake",
        "human",
        "human",
        env_name="toytext",
        task="FrozenLake-v1",
        settings={},
        max_steps=50,
    )


async def open_form(
    pilot, wait_until, family: str | None = None, task: str | None = None, seat: str | None = None
) -> ConfigureScreen:
    """Press `a`, pick the family and task, and wait for the player rows (up to `seat`)."""
    app = pilot.app
    await pilot.press("a")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfigureScreen))
    screen = app.screen
    if family is not None:
        screen.query_one("#family", Select).value = family
        await pilot.pause()
    if task is not None:
        screen.query_one("#task", Select).value = task
    if seat is not None:
        await wait_until(pilot, lambda: bool(screen.query(f"#player-{seat}")))
        await pilot.pause()  # the row's selects finish mounting before they are changed
    return screen


def started(app: MosaicApp, n: int) -> bool:
    return len(app.session.runners) == n and all(
        r.env is not None and r.episode >= 0 for r in app.session.runners.values()
    )


async def test_demo_comes_alive_with_frames(tmp_path: Path, wait_until) -> None:
    app = MosaicApp(demo_operators(), log_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 2))
        panes = list(app.query(FramePane))
        assert [p.operator_id for p in panes] == ["op_0", "op_1"]
        await wait_until(pilot, lambda: all(p.view.frames_shown >= 3 for p in panes))
        assert app.session.running
        assert all(r.state is OperatorState.RUNNING for r in app.session.runners.values())
        await pilot.press("q")
    assert all(not r.env_process.alive for r in app.session.runners.values())


async def test_pause_step_and_reset_all(tmp_path: Path, wait_until) -> None:
    app = MosaicApp(demo_operators(), log_dir=tmp_path, autorun=False, seed=7)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 2))
        runners = list(app.session.runners.values())
        assert [r.step_index for r in runners] == [0, 0]
        await pilot.press("s")
        await wait_until(pilot, lambda: all(r.step_index == 1 for r in runners))
        await pilot.press("s")
        await wait_until(pilot, lambda: all(r.step_index == 2 for r in runners))
        await pilot.press("space")  # run
        await wait_until(pilot, lambda: all(r.step_index >= 6 for r in runners))
        await pilot.press("space")  # pause
        await pilot.pause(0.3)
        frozen = [r.step_index for r in runners]
        await pilot.pause(0.5)
        assert [r.step_index for r in runners] == frozen
        episodes = [r.episodes_begun for r in runners]
        await pilot.press("r")
        await wait_until(
            pilot, lambda: [r.episodes_begun for r in runners] == [e + 1 for e in episodes]
        )
        assert [r.step_index for r in runners] == [0, 0]
        assert [r.seed for r in runners] == [7, 7]  # one shared seed
        await pilot.press("q")


async def test_human_plays_by_key_and_step_all_waits_for_the_key(
    tmp_path: Path, wait_until
) -> None:
    app = MosaicApp([human_lake(), demo_operators()[0]], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 2))
        pane = app.query_one("#pane-op_h", FramePane)
        legend = str(pane.query_one("#legend", Static).render())
        assert "← left" in legend and "↓ down" in legend
        human, baseline = app.session.runners["op_h"], app.session.runners["op_0"]
        pane.focus()
        await pilot.press("right")  # turn-based: the key steps this operator at once
        await wait_until(pilot, lambda: human.step_index == 1)
        assert baseline.step_index == 0
        # step all waits for the human's key, then steps both
        await pilot.press("escape", "s")
        await wait_until(pilot, lambda: app.session.keyboards["op_h"].waiting)
        assert baseline.step_index == 0
        pane.focus()
        await pilot.press("down")
        await wait_until(pilot, lambda: baseline.step_index == 1 and human.step_index >= 2)
        await pilot.press("q")


@pytest.mark.subprocess
async def test_a_crashed_worker_is_shown_and_the_others_keep_running(
    tmp_path: Path, wait_until
) -> None:
    app = MosaicApp(demo_operators(), log_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 2))
        victim = app.session.runners["op_0"]
        os.kill(victim.env_process.pid, signal.SIGKILL)
        await wait_until(pilot, lambda: app.session.operators["op_0"].error is not None)
        pane = app.query_one("#pane-op_0", FramePane)
        assert pane.has_class("-error")
        text = str(pane.query_one("#error", Static).render())
        assert "killed by SIGKILL" in text and "log:" in text
        survivor = app.session.runners["op_1"]
        before = survivor.step_index + 10 * survivor.episodes_begun
        await wait_until(
            pilot, lambda: survivor.step_index + 10 * survivor.episodes_begun >= before + 3
        )
        await pilot.press("q")


async def test_add_an_operator_through_the_form(tmp_path: Path, wait_until) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot, wait_until, "toytext", "FrozenLake-v1", "agent")
        screen.query_one("#player-agent .type", Select).value = "human"
        await pilot.pause()
        max_steps = screen.query_one("#max-steps", Input)
        max_steps.value = "abc"
        await pilot.click("#save")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfigureScreen)  # refused, shown on the field
        assert "Max steps" in str(screen.query_one("#problems", Static).render())
        max_steps.value = "20"
        screen.query_one("#env-settings", Input).value = "map_name=8x8, is_slippery=false"
        await pilot.click("#save")
        await wait_until(pilot, lambda: started(app, 1))
        runner = app.session.runners["op_0"]
        assert runner.config.task == "FrozenLake-v1"
        assert runner.config.env_settings == {"map_name": "8x8", "is_slippery": False}
        assert runner.config.max_steps == 20
        assert app.query_one("#pane-op_0", FramePane).keys  # a human pane takes keys
        await pilot.press("q")


async def test_an_env_that_asserts_on_a_setting_is_shown_not_a_crash(
    tmp_path: Path, wait_until
) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot, wait_until)
        screen.query_one("#env-settings", Input).value = "size=2"  # MiniGrid asserts on it
        await pilot.click("#save")
        problems = screen.query_one("#problems", Static)
        await wait_until(pilot, lambda: "size=2" in str(problems.render()))
        assert "AssertionError" in str(problems.render())
        assert app.is_running and isinstance(app.screen, ConfigureScreen)
        await pilot.press("escape", "q")


async def test_a_game_gets_one_player_row_per_seat(tmp_path: Path, wait_until) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(
            pilot, wait_until, "pettingzoo_classic", "connect_four_v3", "player_1"
        )
        rows = [row.agent for row in screen.query("PlayerRow")]
        assert rows == ["player_0", "player_1"]  # the env's own ids
        screen.query_one("#player-player_0 .type", Select).value = "human"
        await pilot.pause()
        await pilot.click("#save")
        await wait_until(pilot, lambda: started(app, 1))
        runner = app.session.runners["op_0"]
        assert {a: w.worker_type for a, w in runner.config.workers.items()} == {
            "player_0": "human",
            "player_1": "baseline",
        }
        assert app.query_one("#pane-op_0", FramePane).keys  # 1-7 drop a disc
        await pilot.press("q")


async def test_bad_env_settings_are_refused_before_save(tmp_path: Path, wait_until) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot, wait_until, "toytext", "FrozenLake-v1")
        screen.query_one("#env-settings", Input).value = "no_such_setting=1"
        await pilot.click("#save")
        problems = screen.query_one("#problems", Static)
        await wait_until(pilot, lambda: "no_such_setting" in str(problems.render()))
        # in the form's words, not the env's `__init__() got an unexpected keyword argument`
        assert "FrozenLake-v1 has no setting 'no_such_setting'" in str(problems.render())
        assert isinstance(app.screen, ConfigureScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, ConfigureScreen)
        assert app.session.runners == {}
        await pilot.press("q")


async def test_the_focus_comes_back_after_the_terminal_was_too_small(
    tmp_path: Path, wait_until
) -> None:
    """Shrunk below the minimum and back, the pane that had the focus has it again (it was
    left on the list, so a human's next key went nowhere)."""
    app = MosaicApp(demo_operators(), log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 2))
        pane = app.query_one("#pane-op_1", FramePane)
        pane.focus()
        await pilot.pause()
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        assert app.focused is not pane
        await pilot.resize_terminal(120, 40)
        await pilot.pause(0.2)
        assert app.focused is pane
        await pilot.press("q")


async def test_too_small_terminal_says_so(tmp_path: Path) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(50, 12)) as pilot:
        await pilot.pause()
        note = app.query_one("#too-small", Static)
        assert note.display
        assert "50x12" in str(note.render()) and "60x16" in str(note.render())
        widest = max(len(line) for line in str(note.render()).splitlines())
        assert widest <= 48  # whole lines in 50 columns: the sizes never wrap apart
        for key in ("a", "v"):  # a form or the results would open cut off: not now
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is app.screen_stack[0]
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert not note.display
        await pilot.press("a")  # big enough again: the form opens
        await pilot.pause()
        assert app.screen is not app.screen_stack[0]
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("q")


async def test_remove_stops_its_workers(tmp_path: Path, wait_until) -> None:
    app = MosaicApp(demo_operators(), log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 2))
        runner = app.session.runners["op_1"]
        app.query_one("#pane-op_1", FramePane).focus()
        await pilot.press("x", "y")  # remove, and yes
        await wait_until(pilot, lambda: "op_1" not in app.session.runners)
        assert not runner.env_process.alive
        await wait_until(pilot, lambda: len(app.query(FramePane)) == 1)
        await pilot.press("q")


async def test_chess_by_typed_moves_against_a_baseline(tmp_path: Path, wait_until) -> None:
    from mosaic_tui.core import WorkerAssignment

    chess = OperatorConfig.multi_agent(
        "chess",
        "Chess",
        "pettingzoo_classic",
        "chess_v6",
        {
            "player_0": WorkerAssignment("human", "human"),
            "player_1": WorkerAssignment("baseline_worker", "baseline", {"behavior": "random"}),
        },
    )
    app = MosaicApp([chess], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 1))
        pane = app.query_one("#pane-chess", FramePane)
        await wait_until(pilot, lambda: pane.has_class("-board"))  # the board as text
        assert "♜" in str(pane.query_one("#board", Static).render())
        box = pane.query_one("#move", Input)
        await wait_until(pilot, lambda: box.display)  # the human is to move
        runner = app.session.runners["chess"]
        box.focus()
        await pilot.press(*"e2e4", "enter")
        await wait_until(pilot, lambda: runner.step_index == 2)  # e4, then black's reply
        await pilot.press(*"e9e9", "enter")  # not a move: refused, nothing happens
        await pilot.pause(0.3)
        assert runner.step_index == 2 and runner.state.value != "error"
        await pilot.press(*"Nf3", "enter")
        await wait_until(pilot, lambda: runner.step_index == 4)
        pane.focus()
        await pilot.press("v")  # the frame view is still there
        assert not pane.has_class("-board")
        await pilot.press("q")
