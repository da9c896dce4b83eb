"""TelemetryStore: schema, round trips, per-episode atomicity, errors and summaries."""

from __future__ import annotations

import math
import os
import socket
import sqlite3
from pathlib import Path

import pytest

from mosaic_tui.telemetry import (
    EpisodeRow,
    RunRow,
    RunSummary,
    SessionRow,
    StepRow,
    TelemetryError,
    TelemetryStore,
)


def _run(run_id: str = "r1", session_id: str = "s1", started_at: float = 10.0) -> RunRow:
    return RunRow(
        run_id,
        session_id,
        "op-1",
        "MiniGrid left",
        "minigrid",
        "MiniGrid-Empty-8x8-v0",
        {"max_steps": 50, "players": {"agent": "baseline"}},
        started_at,
    )


def _episode(
    index: int, run_id: str = "r1", total: float = 1.0, length: int = 2, success: bool | None = None
) -> EpisodeRow:
    return EpisodeRow(
        run_id,
        index,
        100 + index,
        total,
        length,
        True,
        False,
        20.0 + index,
        21.0 + index,
        None,
        success,
    )


def _steps(index: int, n: int = 2, agents: tuple[str, ...] = ("agent",)) -> list[StepRow]:
    return [
        StepRow(index, s, a, s % 3, 0.5 * s, s == n - 1, False) for s in range(n) for a in agents
    ]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "runs.sqlite"


@pytest.fixture
def store(db: Path):
    with TelemetryStore.open(db) as s:
        s.begin_session(SessionRow("s1", 1.0, "run examples/x.toml", {"argv": ["run"]}))
        s.begin_run(_run())
        yield s


# ------------------------------------------------------------------ schema and pragmas


def test_open_creates_schema_wal_and_version(store: TelemetryStore, db: Path) -> None:
    assert db.exists()  # parent folder created lazily by open()
    raw = sqlite3.connect(db)
    tables = {n for (n,) in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sessions", "runs", "episodes", "steps"} <= tables
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
    raw.close()
    conn = store._conn  # connection-level pragmas are not persistent: check the store's own
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_reopen_keeps_data_and_does_not_recreate(store: TelemetryStore, db: Path) -> None:
    store.record_episode(_episode(0), _steps(0))
    store.close()
    with TelemetryStore.open(db) as again:
        assert [e.episode_index for e in again.episodes("r1")] == [0]


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "future.sqlite"
    raw = sqlite3.connect(db)
    raw.execute("PRAGMA user_version = 7")
    raw.close()
    with pytest.raises(TelemetryError, match=r"newer mosaic-tui \(schema 7\).*--db"):
        TelemetryStore.open(db)
    raw = sqlite3.connect(db)  # and nothing was written into it
    assert raw.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 7
    raw.close()


def test_not_a_database_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("this is not sqlite, just a long enough line of plain text " * 20)
    with pytest.raises(TelemetryError) as info:
        TelemetryStore.open(bogus)
    assert str(bogus) in str(info.value)
    assert "--db" in str(info.value)


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    raw = sqlite3.connect(other)
    raw.execute("CREATE TABLE invoices (id INTEGER)")
    raw.commit()
    raw.close()
    with pytest.raises(TelemetryError, match=r"not a mosaic-tui telemetry.*invoices.*--db"):
        TelemetryStore.open(other)


def test_closed_store_raises_telemetry_error(store: TelemetryStore) -> None:
    store.close()
    store.close()  # idempotent
    with pytest.raises(TelemetryError, match="closed"):
        store.runs()


# ------------------------------------------------------------------ round trips


def test_session_and_run_round_trip(store: TelemetryStore) -> None:
    meta = {"argv": ["run"], "pid": os.getpid(), "host": socket.gethostname()}  # who recorded
    assert store.sessions() == [SessionRow("s1", 1.0, "run examples/x.toml", meta)]
    assert store.runs() == [_run()]
    assert store.runs("s1") == [_run()]
    assert store.runs("nope") == []
    assert store.run("r1") == _run()
    assert store.run("nope") is None


def test_episode_and_step_round_trip(store: TelemetryStore) -> None:
    episode = EpisodeRow(
        "r1", 0, None, -1.5, 2, False, True, 5.0, 6.5, {"player_0": 1.0, "player_1": -2.5}, False
    )
    steps = [
        StepRow(0, 0, "player_1", None, 0.0, False, False, {"illegal": True, "text": "é"}),
        StepRow(0, 0, "player_0", 4, 1.0, False, False),
        StepRow(0, 1, "player_0", 2, -2.5, False, True, None),
    ]
    store.record_episode(episode, steps)
    assert store.episodes("r1") == [episode]
    # Ordered by episode, step, agent regardless of insertion order.
    assert store.steps("r1") == [steps[1], steps[0], steps[2]]
    assert store.steps("r1", episode_index=0) == [steps[1], steps[0], steps[2]]
    assert store.steps("r1", episode_index=1) == []
    for step in store.steps("r1"):
        assert type(step.terminated) is bool and type(step.truncated) is bool
    assert store.step_table("r1") == [
        (0, 0, "player_0", 4, 1.0, False, False),
        (0, 0, "player_1", None, 0.0, False, False),
        (0, 1, "player_0", 2, -2.5, False, True),
    ]


def test_success_tristate_round_trips(store: TelemetryStore) -> None:
    for i, success in enumerate((True, False, None)):
        store.record_episode(_episode(i, success=success), _steps(i))
    assert [e.success for e in store.episodes("r1")] == [True, False, None]


def test_end_run_sets_status_error_and_time(store: TelemetryStore) -> None:
    store.end_run("r1", "error", "worker crashed")
    run = store.runs()[0]
    assert (run.status, run.error) == ("error", "worker crashed")
    assert run.ended_at is not None and run.ended_at > run.started_at
    with pytest.raises(TelemetryError, match="unknown run 'ghost'"):
        store.end_run("ghost", "ok")


def test_sessions_newest_first_and_latest(store: TelemetryStore) -> None:
    store.begin_session(SessionRow("s3", 3.0, "app", {}))
    store.begin_session(SessionRow("s2", 2.0, "app", {}))
    assert [s.session_id for s in store.sessions()] == ["s3", "s2", "s1"]
    assert store.latest_session_id() == "s3"


def test_latest_session_of_empty_db_is_none(tmp_path: Path) -> None:
    with TelemetryStore.open(tmp_path / "empty.sqlite") as store:
        assert store.latest_session_id() is None
        assert store.sessions() == []


# ------------------------------------------------------------------ integrity


def test_record_episode_is_atomic(store: TelemetryStore, db: Path) -> None:
    store.record_episode(_episode(0), _steps(0))
    bad = _steps(1, n=3) + [StepRow(1, 2, "agent", 0, 9.0, False, False)]  # duplicate key
    with pytest.raises(TelemetryError, match="episode 1 of run 'r1' was not recorded"):
        store.record_episode(_episode(1, length=3), bad)
    assert [e.episode_index for e in store.episodes("r1")] == [0]
    assert store.steps("r1", episode_index=1) == []
    assert store.steps("r1", episode_index=0) == _steps(0)
    # The store stays usable after the rollback, and a fresh reader agrees.
    store.record_episode(_episode(1, length=3), _steps(1, n=3))
    raw = sqlite3.connect(db)
    assert raw.execute("SELECT count(*) FROM steps WHERE episode_index = 1").fetchone()[0] == 3
    raw.close()


def test_duplicate_episode_is_refused_not_overwritten(store: TelemetryStore) -> None:
    store.record_episode(_episode(0, total=1.0), _steps(0))
    with pytest.raises(TelemetryError, match="episode 0 of run 'r1' is already recorded"):
        store.record_episode(_episode(0, total=99.0), _steps(0, n=5))
    assert [e.total_reward for e in store.episodes("r1")] == [1.0]
    assert len(store.steps("r1")) == 2


def test_step_from_another_episode_is_refused(store: TelemetryStore) -> None:
    with pytest.raises(TelemetryError, match="belongs to episode 3"):
        store.record_episode(_episode(0), [StepRow(3, 0, "agent", 1, 0.0, False, False)])
    assert store.episodes("r1") == []


def test_unknown_run_and_session_are_refused(store: TelemetryStore) -> None:
    with pytest.raises(TelemetryError, match="unknown run 'ghost'"):
        store.record_episode(_episode(0, run_id="ghost"), [])
    with pytest.raises(TelemetryError, match="unknown session 'nope'"):
        store.begin_run(_run("r2", "nope"))
    with pytest.raises(TelemetryError, match="run 'r1' already exists"):
        store.begin_run(_run())
    with pytest.raises(TelemetryError, match="session 's1' already exists"):
        store.begin_session(SessionRow("s1", 5.0, "app", {}))
    assert [r.run_id for r in store.runs()] == ["r1"]


def test_second_connection_sees_committed_episodes(store: TelemetryStore, db: Path) -> None:
    store.record_episode(_episode(0), _steps(0))
    with TelemetryStore.open(db) as reader:  # open the same path twice, writer still open
        assert [e.episode_index for e in reader.episodes("r1")] == [0]
        store.record_episode(_episode(1), _steps(1))
        assert [e.episode_index for e in reader.episodes("r1")] == [0, 1]
        assert reader.step_table("r1") == store.step_table("r1")


# ------------------------------------------------------------------ summary


def test_summary_math(store: TelemetryStore) -> None:
    data = [(1.0, 10, True), (2.0, 20, False), (3.0, 30, None), (6.0, 40, True)]
    for i, (total, length, success) in enumerate(data):
        store.record_episode(_episode(i, total=total, length=length, success=success), [])
    # mean 3; sample variance ((-2)^2 + (-1)^2 + 0^2 + 3^2) / 3 = 14/3; n = 4; t(0.975, 3 df)
    expected_ci = 3.182446305284263 * math.sqrt(14 / 3) / 2
    got = store.summary("r1")
    assert got == RunSummary(
        "r1", 4, 3.0, pytest.approx(expected_ci), pytest.approx(2 / 3), 25.0, 100
    )
    assert got.ci95 == pytest.approx(3.43743, abs=1e-5)


def test_the_run_summary_and_the_report_give_the_same_interval(store: TelemetryStore) -> None:
    """The summary `run` prints used a normal 1.96 interval, the report Student t's."""
    from mosaic_tui.telemetry.report import t_interval

    returns = [1.0, 2.0, 3.0, 6.0, 0.5, 4.0]
    for i, total in enumerate(returns):
        store.record_episode(_episode(i, total=total), [])
    interval = t_interval(returns)
    assert interval.high is not None
    assert store.summary("r1").ci95 == pytest.approx(interval.high - interval.mean, rel=1e-12)


def test_summary_small_samples(store: TelemetryStore) -> None:
    assert store.summary("r1") == RunSummary("r1", 0, 0.0, 0.0, None, 0.0, 0)
    store.record_episode(_episode(0, total=4.0, length=7), [])
    assert store.summary("r1") == RunSummary("r1", 1, 4.0, 0.0, None, 7.0, 7)
    with pytest.raises(TelemetryError, match="unknown run 'ghost'.*r1"):
        store.summary("ghost")


_KILLED_WRITER = """
import os, sys
from mosaic_tui.telemetry import EpisodeRow, RunRow, SessionRow, StepRow, TelemetryStore
store = TelemetryStore.open(sys.argv[1])
store.begin_session(SessionRow("s", 1.0, "run", {}))
store.begin_run(RunRow("r", "s", "op", "op", "toytext", "FrozenLake-v1", {}, 1.0))
steps = lambda i: [StepRow(i, k, "agent", 0, 0.0, False, False) for k in range(3)]
store.record_episode(EpisodeRow("r", 0, 1, 0.0, 3, True, False, 1.0, 2.0), steps(0))
def die_on_steps(sql):
    if sql.startswith("INSERT INTO steps"):
        os._exit(9)  # the process dies with episode 1 half written
store._conn.set_trace_callback(die_on_steps)
store.record_episode(EpisodeRow("r", 1, 2, 0.0, 3, True, False, 3.0, 4.0), steps(1))
"""


def test_killed_process_loses_only_the_episode_in_progress(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = tmp_path / "runs.sqlite"
    proc = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(db)], timeout=60)
    assert proc.returncode == 9
    with TelemetryStore.open(db) as store:
        assert [e.episode_index for e in store.episodes("r")] == [0]
        assert [(s.episode_index, s.step_index) for s in store.steps("r")] == [
            (0, 0),
            (0, 1),
            (0, 2),
        ]


def test_summary_gives_each_players_mean_return() -> None:
    from mosaic_tui.telemetry.summary import summarize

    rows = [
        EpisodeRow("r", i, i, 0.0, 9, True, False, 0.0, 1.0, rewards={"p1": w, "p2": -w})
        for i, w in enumerate([1.0, 1.0, -1.0, 0.0])
    ]
    summary = summarize("r", rows)
    assert summary.player_returns == {"p1": 0.25, "p2": -0.25}
    single = summarize("r", [EpisodeRow("r", 0, 0, 1.0, 3, True, False, 0.0, 1.0)])
    assert single.player_returns is None
