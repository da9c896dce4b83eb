"""The recorder under another writer's lock: episodes wait and are written, or the run fails
loudly; the event loop is never blocked for long."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from mosaic_tui.core import OperatorConfig
from mosaic_tui.runtime import EpisodeEnded, EpisodeStarted, StepTaken
from mosaic_tui.telemetry import Recorder, SessionRow, TelemetryStore

CONFIG = OperatorConfig.single_agent(
    "op", "Op", "baseline_worker", "baseline", env_name="toytext", task="FrozenLake-v1"
)


def play(recorder: Recorder, run_id: str, episode: int) -> None:
    recorder(EpisodeStarted("op", run_id, episode, episode, 0.0))
    recorder(StepTaken("op", run_id, episode, 1, "agent", 2, 1.0, True, False, 1.0))
    recorder(EpisodeEnded("op", run_id, episode, episode, 1.0, 1, True, False, 0.0, 1.0))


def locked(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


async def test_episodes_wait_for_the_lock_and_are_all_written(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    with TelemetryStore.open(db) as store:
        store.begin_session(SessionRow("s", 1.0, "run", {}))
        recorder = Recorder(store, "s", lock_limit=30)
        recorder.begin(CONFIG, "r")
        other = locked(db)
        began = time.monotonic()
        for episode in range(50):
            play(recorder, "r", episode)
        assert time.monotonic() - began < 2  # queued, not blocking the loop per episode
        assert recorder.pending == 50
        await asyncio.sleep(0.5)
        other.execute("COMMIT")
        other.close()
        assert await recorder.drain(timeout=20)
        assert len(store.episodes("r")) == 50 and not recorder.failures
        assert len(store.steps("r")) == 50


async def test_a_lock_past_the_limit_fails_the_run_and_says_how_to_fix_it(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    failed: list[tuple[str, str]] = []
    with TelemetryStore.open(db) as store:
        store.begin_session(SessionRow("s", 1.0, "run", {}))
        recorder = Recorder(store, "s", lock_limit=0.3)
        recorder.on_failure = lambda run_id, message: failed.append((run_id, message))
        recorder.begin(CONFIG, "r")
        other = locked(db)
        try:
            play(recorder, "r", 0)
            assert await recorder.drain(timeout=20)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert [run for run, _ in failed] == ["r"]
        message = failed[0][1]
        assert str(db) in message and "stayed locked" in message and "--db" in message
        play(recorder, "r", 1)  # a failed run's later episodes are not queued behind it
        assert recorder.pending == 0
