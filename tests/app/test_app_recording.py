"""The app's recording: a results database that stays locked stops the operator with the cause
on its pane (never runs on unrecorded), and quitting waits for queued episodes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from textual.widgets import Static

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.core import OperatorConfig
from mosaic_tui.telemetry import Recorder, SessionRow, TelemetryStore


def lake(op: str = "op_0") -> OperatorConfig:
    return OperatorConfig.single_agent(
        op, "Lake", "baseline_worker", "baseline", env_name="toytext", task="FrozenLake-v1",
        max_steps=5,
    )


def store_and_recorder(db: Path, lock_limit: float) -> tuple[TelemetryStore, Recorder]:
    store = TelemetryStore.open(db)
    store.begin_session(SessionRow("s", 1.0, "app", {}))
    return store, Recorder(store, "s", lock_limit=lock_limit)


async def test_a_database_locked_past_the_limit_stops_the_operator_loudly(
    tmp_path: Path, wait_until
) -> None:
    db = tmp_path / "r.sqlite"
    store, recorder = store_and_recorder(db, lock_limit=0.5)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock throughout
    try:
        app = MosaicApp([lake()], log_dir=tmp_path, pace=60, recorder=recorder)
        async with app.run_test(size=(120, 40)) as pilot:
            entry = app.session.operators["op_0"]
            await wait_until(pilot, lambda: entry.error is not None, timeout=30)
            assert "could not record" in entry.error and str(db) in entry.error
            runner = app.session.runners["op_0"]
            await wait_until(pilot, lambda: runner.state.value in ("stopped", "error"))
            text = str(app.query_one("#pane-op_0 #error", Static).render())
            assert "could not record" in text
    finally:
        other.execute("ROLLBACK")
        other.close()
        store.close()


async def test_quitting_waits_for_a_briefly_locked_database(tmp_path: Path, wait_until) -> None:
    db = tmp_path / "r.sqlite"
    store, recorder = store_and_recorder(db, lock_limit=30)
    app = MosaicApp([lake()], log_dir=tmp_path, pace=60, recorder=recorder)
    other = None
    async with app.run_test(size=(120, 40)) as pilot:
        runner = app.session.runners
        await wait_until(pilot, lambda: "op_0" in runner and runner["op_0"].episode >= 2)
        other = sqlite3.connect(db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        await wait_until(pilot, lambda: recorder.pending > 0)
        pilot.app.set_timer(0.5, lambda: other.execute("COMMIT"))  # the other program finishes
        await app.action_quit()  # what q does, awaited to its end
    assert recorder.pending == 0 and not recorder.failures
    run_id = store.runs()[0].run_id
    assert len(store.episodes(run_id)) >= 2
    other.close()
    store.close()
