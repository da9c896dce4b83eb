"""The recorder under another writer's lock: episodes wait and are written, or the run fails
loudly; the SQLite work runs on the recorder's own thread, so the event loop never waits on it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest

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
        assert await recorder.drain(timeout=20)  # the run's row, written before the lock
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
        threads: list[int] = []

        def on_failure(run_id: str, message: str) -> None:
            threads.append(threading.get_ident())
            failed.append((run_id, message))

        recorder.on_failure = on_failure
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
        assert threads == [threading.get_ident()]  # told on the event loop, not the writer
        play(recorder, "r", 1)  # a failed run's later episodes are not queued behind it
        assert recorder.pending == 0


class Ticker:
    """Counts the event loop's turns and the longest it went without one (its lag)."""

    def __init__(self, every: float = 0.01) -> None:
        self.every, self.ticks, self.worst = every, 0, 0.0
        self.task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while True:
            began = time.monotonic()
            await asyncio.sleep(self.every)
            self.worst = max(self.worst, time.monotonic() - began - self.every)
            self.ticks += 1

    async def wait_ticks(self, n: int, timeout: float = 30) -> None:
        target, deadline = self.ticks + n, time.monotonic() + timeout
        while self.ticks < target:
            assert time.monotonic() < deadline, "the event loop stopped ticking"
            await asyncio.sleep(self.every)

    def stop(self) -> None:
        self.task.cancel()


async def test_an_exclusive_lock_leaves_the_loop_ticking_and_the_rows_arrive_after_it(
    tmp_path: Path,
) -> None:
    db = tmp_path / "r.sqlite"
    with TelemetryStore.open(db) as store:
        store.begin_session(SessionRow("s", 1.0, "app", {}))
        recorder = Recorder(store, "s", lock_limit=60)
        recorder.begin(CONFIG, "r")
        assert await recorder.drain(timeout=20)
        other = sqlite3.connect(db, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another program holds the database
        ticker = Ticker()
        try:
            for episode in range(20):  # events keep arriving while it is locked
                play(recorder, "r", episode)
                await ticker.wait_ticks(3)
            await ticker.wait_ticks(50)  # half a second or more, locked throughout
            assert recorder.pending == 20 and not recorder.failures and recorder.blocked
            assert ticker.worst < 0.5, f"the event loop stalled {ticker.worst:.2f} s"
        finally:
            other.execute("COMMIT")
            other.close()
        assert await recorder.drain(timeout=30)
        ticker.stop()
        assert ticker.worst < 0.5, f"the event loop stalled {ticker.worst:.2f} s"
        assert [e.episode_index for e in store.episodes("r")] == list(range(20))
        assert len(store.steps("r")) == 20 and not recorder.failures and not recorder.blocked
        assert recorder.close(timeout=10)


async def test_a_slow_write_runs_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that takes a second (a slow disk, SQLite busy inside one call) used to freeze
    the app's screen for that second: it ran on the event loop."""
    writers: list[int] = []
    record = TelemetryStore.record_episode

    def slow(self: TelemetryStore, *args: object) -> None:
        writers.append(threading.get_ident())
        time.sleep(1.0)
        record(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(TelemetryStore, "record_episode", slow)
    db = tmp_path / "r.sqlite"
    with TelemetryStore.open(db) as store:
        store.begin_session(SessionRow("s", 1.0, "app", {}))
        recorder = Recorder(store, "s")
        recorder.begin(CONFIG, "r")
        ticker = Ticker()
        await ticker.wait_ticks(2)
        play(recorder, "r", 0)
        play(recorder, "r", 1)
        assert await recorder.drain(timeout=30)
        ticker.stop()
        assert ticker.worst < 0.5, f"the event loop stalled {ticker.worst:.2f} s"
        assert threading.get_ident() not in writers and len(writers) == 2
        assert [e.episode_index for e in store.episodes("r")] == [0, 1]


def test_without_an_event_loop_flush_waits_and_reports_in_the_callers_thread(
    tmp_path: Path,
) -> None:
    """What `mosaic-tui` does after the app has ended: one last wait, failures said aloud."""
    db = tmp_path / "r.sqlite"
    failed: list[tuple[str, int]] = []
    with TelemetryStore.open(db) as store:
        store.begin_session(SessionRow("s", 1.0, "app", {}))
        recorder = Recorder(store, "s", lock_limit=0.3)
        recorder.on_failure = lambda run_id, _message: failed.append(
            (run_id, threading.get_ident())
        )
        recorder.begin(CONFIG, "ok")
        play(recorder, "ok", 0)
        assert recorder.flush(timeout=20) and recorder.pending == 0
        assert len(store.episodes("ok")) == 1
        other = locked(db)
        try:
            recorder.begin(CONFIG, "r")
            assert recorder.flush(timeout=20)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert failed == [("r", threading.get_ident())]
        assert "stayed locked" in recorder.failures["r"]
        assert recorder.close(timeout=10)


def test_an_in_memory_store_is_written_at_once() -> None:
    with TelemetryStore.open(":memory:") as store:
        store.begin_session(SessionRow("s", 1.0, "run", {}))
        recorder = Recorder(store, "s")
        recorder.begin(CONFIG, "r")
        play(recorder, "r", 0)
        assert recorder.pending == 0 and len(store.episodes("r")) == 1


async def test_a_run_stopped_twice_is_ended_once_and_a_new_status_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ended: list[str] = []
    end_run = TelemetryStore.end_run

    def counted(self: TelemetryStore, run_id: str, status: str, error: str | None = None) -> None:
        ended.append(status)
        end_run(self, run_id, status, error)

    monkeypatch.setattr(TelemetryStore, "end_run", counted)
    with TelemetryStore.open(tmp_path / "r.sqlite") as store:
        store.begin_session(SessionRow("s", 1.0, "app", {}))
        recorder = Recorder(store, "s")
        recorder.begin(CONFIG, "r")
        recorder.end("r", "stopped")
        recorder.end("r", "stopped")  # quitting, then unmounting: the same news
        assert await recorder.drain(timeout=20)
        assert ended == ["stopped"] and store.run("r").status == "stopped"  # type: ignore[union-attr]
        recorder.end("r", "finished")
        assert await recorder.drain(timeout=20)
        assert ended == ["stopped", "finished"]
        assert store.run("r").status == "finished"  # type: ignore[union-attr]
