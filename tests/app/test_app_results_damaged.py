"""A results database damaged in the middle (its header sound, garbage in some pages: it opens,
then a read hits them): the results screen and the replay say so, naming the file, the cause
and the way on, and the app goes on (escape, back to the operators)."""

from __future__ import annotations

import random
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from textual.widgets import OptionList, Static
from textual_plotext import PlotextPlot

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.screens.results import ResultsScreen
from mosaic_tui.experiments import parse, run_experiment
from mosaic_tui.experiments.recorded import recorded_episode
from mosaic_tui.telemetry import TelemetryStore
from mosaic_tui.telemetry.report import build_report

MALFORMED = "database disk image is malformed"


async def recorded(tmp_path: Path) -> Path:
    db = tmp_path / "runs.sqlite"
    spec = parse({"name": "two lakes", "execution": {"episodes": 5, "seeds": [1, 2, 3, 4, 5]},
                  "operators": [
                      {"id": f"lake_{b}", "env_name": "toytext", "task": "FrozenLake-v1",
                       "workers": {"agent": {"type": "baseline", "behavior": b}}}
                      for b in ("random", "cycling")]})  # fmt: skip
    with TelemetryStore.open(db) as store:
        await run_experiment(spec, store, log_dir=tmp_path)
    return db


def damage(db: Path, table: str) -> None:
    """Overwrite the root page of `table` (a page past the header) with random bytes, as a
    disk that went bad would: the file still opens, a read of that table fails."""
    with closing(sqlite3.connect(db)) as conn:
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                               (table,)).fetchone()  # fmt: skip
    wal = Path(f"{db}-wal")  # emptied: every page is read from the file itself
    assert busy == 0 and root > 1 and (not wal.exists() or wal.stat().st_size == 0)
    with db.open("r+b") as file:
        file.seek((root - 1) * size)
        file.write(random.Random(table).randbytes(size))


def assert_said(text: str, db: Path, lost: str) -> None:
    assert f"{db} is damaged ({MALFORMED}): {lost} cannot be read" in text
    assert f"sqlite3 {db} .recover" in text and "pass another --db" in text


async def leave(pilot, app: MosaicApp, wait_until) -> None:
    await pilot.press("escape")
    await wait_until(pilot, lambda: not isinstance(app.screen, ResultsScreen))
    assert app.is_running and app.return_code is None
    await pilot.press("q")


async def test_damaged_sessions_are_said_not_a_crash(tmp_path: Path, wait_until) -> None:
    db = await recorded(tmp_path)
    damage(db, "sessions")
    with pytest.raises(sqlite3.DatabaseError, match=MALFORMED):
        with TelemetryStore.open(db) as store:
            store.session_overview(limit=50)
    app = MosaicApp([], log_dir=tmp_path, autorun=False, results_db=db)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, ResultsScreen))
        screen = app.screen
        report = screen.query_one("#results-report", Static)
        await wait_until(pilot, lambda: "is damaged" in str(report.content))
        assert_said(str(report.content), db, "its sessions")
        assert screen.query_one("#results-sessions", OptionList).option_count == 0
        await pilot.press("ctrl+r")  # read again: the same message, still no crash
        await pilot.pause()
        assert app.screen is screen and app.is_running
        await leave(pilot, app, wait_until)


async def test_a_damaged_report_is_said_not_a_crash(tmp_path: Path, wait_until) -> None:
    db = await recorded(tmp_path)
    damage(db, "steps")
    with TelemetryStore.open(db) as store:
        (session,) = store.session_overview(limit=50)  # the sessions still read
        with pytest.raises(sqlite3.DatabaseError, match=MALFORMED):
            build_report(store, session.session_id)
    app = MosaicApp([], log_dir=tmp_path, autorun=False, results_db=db)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, ResultsScreen))
        screen = app.screen
        report = screen.query_one("#results-report", Static)
        await wait_until(pilot, lambda: "is damaged" in str(report.content))
        assert_said(str(report.content), db, "this session's report")
        assert screen.query_one("#results-sessions", OptionList).option_count == 1
        assert screen.report is None
        assert not any(plot.display for plot in screen.query(PlotextPlot))
        await pilot.press("p")  # nothing to replay: said, and the screen stays
        await pilot.pause()
        assert app.screen is screen
        await leave(pilot, app, wait_until)


async def test_a_damaged_episode_is_said_in_the_replay(tmp_path: Path, wait_until) -> None:
    from mosaic_tui.app.screens.replay import ReplayScreen

    db = await recorded(tmp_path)
    app = MosaicApp([], log_dir=tmp_path, autorun=False, results_db=db)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v")
        await wait_until(pilot, lambda: getattr(app.screen, "report", None) is not None)
        report = app.screen.report
        damage(db, "steps")  # the disk goes bad after the report was read
        with TelemetryStore.open(db) as store, pytest.raises(sqlite3.DatabaseError,
                                                             match=MALFORMED):  # fmt: skip
            recorded_episode(store, report.session_id, report.operators[0].operator_id, 0)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))
        replay = app.screen
        await wait_until(pilot, lambda: replay.problem is not None and not replay.loading)
        assert_said(replay.problem, db, "this episode")
        status = replay.query_one("#replay-status", Static)
        assert "is damaged" in str(status.content) and not replay.frames
        await pilot.pause()  # the status line grows to show the whole message (3 lines here)
        assert status.size.height >= 1 + len(replay.problem) // 100 + 1
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ResultsScreen))
        await leave(pilot, app, wait_until)
