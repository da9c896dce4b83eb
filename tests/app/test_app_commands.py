"""Command workers in the app: the form's "Command" choice, and reference-style workers (the
stand-in written from reference-dialect.md) playing MiniGrid as a player and as the env."""

from __future__ import annotations

from pathlib import Path

from test_app_pilot import open_form, started
from textual.widgets import Input, Select, Static

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.widgets.frame_pane import FramePane
from mosaic_tui.core import OperatorConfig, WorkerAssignment

STANDIN = Path(__file__).resolve().parents[1] / "standins" / "reference_worker.py"
TASK = "MiniGrid-Empty-5x5-v0"


async def test_the_form_runs_any_program_as_a_player(tmp_path: Path, wait_until) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot, wait_until, "minigrid", TASK, "agent")
        row = "#player-agent"
        assert not screen.query_one(f"{row} .command", Input).display
        screen.query_one(f"{row} .type", Select).value = "command"
        await pilot.pause()
        box = screen.query_one(f"{row} .command", Input)
        assert box.display
        box.value = "python -m w --x {runid}"
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: "placeholder {runid}" in str(screen.query_one("#problems", Static).content),
        )
        assert not app.session.runners  # nothing started
        command = f"python {STANDIN} --run-id {{run_id}} --task {{task}} --interactive --seed 4"
        box.value = command
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "op_0" in app.session.runners)
        seat = app.session.runners["op_0"].config.workers["agent"]
        assert (seat.worker_id, seat.worker_type) == ("command", "baseline")
        assert seat.settings == {"command": command, "dialect": "auto"}
        await pilot.press("q")


async def test_reference_workers_play_as_a_player_and_as_the_env(
    tmp_path: Path, wait_until
) -> None:
    player = OperatorConfig(
        operator_id="player",
        display_name="reference player",
        env_name="minigrid",
        task=TASK,
        workers={
            "agent": WorkerAssignment(
                "command",
                "baseline",
                {"command": f"python {STANDIN} --run-id {{run_id}} --interactive --seed 2"},
            )
        },
        max_steps=10,
    )
    owner = OperatorConfig(
        operator_id="owner",
        display_name="reference env",
        env_name="minigrid",
        task=TASK,
        workers={"agent": WorkerAssignment("baseline_worker", "baseline", {})},
        max_steps=10,
        env_command=f"python {STANDIN} --run-id {{run_id}} --task {{task}} --seed 2",
    )
    app = MosaicApp([player, owner], log_dir=tmp_path, autorun=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 2), timeout=60)
        runners = app.session.runners
        await wait_until(
            pilot, lambda: all(r.episodes_begun >= 2 for r in runners.values()), timeout=60
        )
        for runner in runners.values():
            assert runner.state.value != "error"
        assert runners["owner"].reference_env
        panes = list(app.query(FramePane))  # its RGB lists, fitted and drawn like ours
        await wait_until(pilot, lambda: all(p.view.frames_shown >= 3 for p in panes))
        await pilot.press("q")


async def test_a_workers_words_are_shown_as_text_never_as_markup(tmp_path: Path) -> None:
    from mosaic_tui.app.markup import ZERO_WIDTH
    from mosaic_tui.runtime import Notice

    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        # a progress line from a worker: unbalanced markup would raise MarkupError if parsed
        words = "[/bold] loading [red]weights \\[x] from C:\\"
        app.drawing.on_runner_event(Notice("op", "run", message=words))
        await pilot.pause()
        from textual.content import Content

        # what a toast shows: the message read as Textual markup, backslashes not doubled
        shown = [Content.from_markup(n.message).plain.replace(ZERO_WIDTH, "") for n in
                 app._notifications]  # fmt: skip
        assert words in shown, shown
        await pilot.press("q")


async def test_the_form_offers_the_policies_trained_on_the_task(tmp_path: Path, wait_until) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot, wait_until, "toytext", "FrozenLake-v1", "agent")
        screen.query_one("#player-agent .type", Select).value = "rl"
        await pilot.pause()
        box = screen.query_one("#player-agent .policy", Input)
        assert box.display and box.value.endswith("examples/policies/frozenlake_qtable.npz")
        box.value = str(tmp_path / "missing.npz")
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: "no policy file" in str(screen.query_one("#problems", Static).content)
        )
        shipped = Path(__file__).resolve().parents[2] / "examples/policies/frozenlake_qtable.npz"
        box.value = str(shipped)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "op_0" in app.session.runners)
        runner = app.session.runners["op_0"]
        seat = runner.config.workers["agent"]
        assert (seat.worker_id, seat.worker_type) == ("rl_worker", "rl")
        await wait_until(pilot, lambda: runner.step_index >= 2, timeout=30)  # it plays
        assert runner.state.value != "error"
        await pilot.press("q")


def test_escaped_text_reads_back_as_itself_inside_markup() -> None:
    """Any text (brackets, backslashes, a trailing backslash before a closing tag) shows as
    it is between tags, and the tags around it still apply."""
    import random

    from textual.content import Content

    from mosaic_tui.app.markup import ZERO_WIDTH, escape

    pieces = ["[", "]", "\\", "a", "/", "=", "red", "b", "link=x", "$x", " "]
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        shown = Content.from_markup(f"<[b]{escape(text)}[/b]>")
        assert shown.plain.replace(ZERO_WIDTH, "") == f"<{text}>", text
        assert [(s.start, s.end) for s in shown.spans] == ([(1, len(shown.plain) - 1)] if text
                                                            else [])  # fmt: skip
