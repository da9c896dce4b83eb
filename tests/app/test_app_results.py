"""The results screen (key v): sessions listed, the chosen one's report and plots, read from
the store in a thread; back with escape."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList, Static
from textual_plotext import PlotextPlot

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.screens.results import ResultsScreen
from mosaic_tui.experiments import parse, run_experiment
from mosaic_tui.telemetry import TelemetryStore


async def recorded(tmp_path: Path) -> Path:
    db = tmp_path / "runs.sqlite"
    spec = parse({"name": "two lakes", "execution": {"episodes": 5, "seeds": [1, 2, 3, 4, 5]},
                  "operators": [
                      {"id": f"lake_{b}", "name": f"Lake {b}", "env_name": "toytext",
                       "task": "FrozenLake-v1",
                       "workers": {"agent": {"type": "baseline", "behavior": b}}}
                      for b in ("random", "cycling")]})  # fmt: skip
    with TelemetryStore.open(db) as store:
        await run_experiment(spec, store, log_dir=tmp_path)
    return db


async def test_results_show_a_sessions_report_and_plots(tmp_path: Path, wait_until) -> None:
    db = await recorded(tmp_path)
    app = MosaicApp([], log_dir=tmp_path, autorun=False, results_db=db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, ResultsScreen))
        screen = app.screen
        report = screen.query_one("#results-report", Static)
        await wait_until(pilot, lambda: screen.report is not None)
        assert screen.query_one("#results-sessions", OptionList).option_count == 1
        ops = [op.operator_id for op in screen.report.operators]
        assert ops == ["lake_random", "lake_cycling"]
        assert screen.report.differences[0].difference.n == 5  # same seeds: paired
        assert all(plot.display for plot in screen.query(PlotextPlot))
        assert report.content is not None
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ResultsScreen))
        await pilot.press("q")


async def test_results_without_a_database_say_so(tmp_path: Path, wait_until) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=False, results_db=tmp_path / "none.sqlite")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, ResultsScreen))
        report = app.screen.query_one("#results-report", Static)
        await wait_until(pilot, lambda: "nothing is recorded yet" in str(report.content))
        await pilot.press("escape")
        await pilot.press("q")


async def test_an_episode_replays_in_a_pane(tmp_path: Path, wait_until) -> None:
    from mosaic_tui.app.screens.replay import ReplayScreen

    db = await recorded(tmp_path)
    app = MosaicApp([], log_dir=tmp_path, autorun=False, results_db=db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        await wait_until(pilot, lambda: getattr(app.screen, "report", None) is not None)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))
        replay = app.screen
        await wait_until(pilot, lambda: not replay.loading and replay.frames, timeout=30)
        assert len(replay.frames) == replay.total + 1  # the reset and every recorded step
        status = replay.query_one("#replay-status", Static)
        await wait_until(pilot, lambda: "matches the recording" in str(status.content))
        await pilot.press("left")  # stepping pauses: from here on nothing moves by itself
        at = replay.at
        assert not replay.playing
        await pilot.press("right")
        assert replay.at == min(at + 1, len(replay.frames) - 1) and not replay.playing
        await pilot.press("left")
        assert replay.at == max(min(at + 1, len(replay.frames) - 1) - 1, 0)
        await pilot.press("space")  # paused at a step: play on (to the end, which stops it)
        assert replay.playing or replay.at == len(replay.frames) - 1
        await pilot.press("right_square_bracket")  # the next episode
        await wait_until(pilot, lambda: replay.episode == 1 and not replay.loading
                         and replay.frames)  # fmt: skip
        title = replay.query_one("#replay-title", Static)
        assert "episode 2 ·" in str(title.content)  # the second, counted as panes count
        assert "lake_random (Lake random)" in str(title.content)  # the id, and its name
        await pilot.press("o")  # the other operator
        await wait_until(pilot, lambda: replay.operator == "lake_cycling"
                         and not replay.loading and replay.frames)  # fmt: skip
        assert replay.mismatch is None and replay.problem is None
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ResultsScreen))
        await pilot.press("escape")
        await pilot.press("q")


def test_a_plot_legend_names_the_operator_beside_its_id() -> None:
    from mosaic_tui.app.screens.results import legend
    from mosaic_tui.telemetry.report import OperatorReport

    fields = OperatorReport.__dataclass_fields__
    base = {k: None for k in fields}

    def op(op_id: str, name: str) -> OperatorReport:
        return OperatorReport(**{**base, "operator_id": op_id, "name": name})

    assert legend(op("op_0", "Random on Empty 8x8")) == "op_0 Random on Empty 8x8"
    assert legend(op("lake", "lake")) == "lake"  # no name of its own: the id once
    assert legend(op("op_1", "x" * 60)) == "op_1 " + "x" * 18 + "…"  # 24 cells at most
