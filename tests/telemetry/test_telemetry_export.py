"""CSV/JSONL export: contents, run selection defaults and helpful errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from mosaic_tui.telemetry import (
    EpisodeRow,
    RunRow,
    SessionRow,
    StepRow,
    TelemetryError,
    TelemetryStore,
    export,
)


def _add_run(store: TelemetryStore, session_id: str, run_id: str, episodes: int = 1) -> None:
    store.begin_run(
        RunRow(
            run_id, session_id, f"op-{run_id}", run_id, "toytext", "FrozenLake-v1", {"seed": 1}, 1.0
        )
    )
    for i in range(episodes):
        store.record_episode(
            EpisodeRow(run_id, i, 7 + i, 1.0, 2, True, False, 2.0, 3.0, {"agent": 1.0}, True),
            [
                StepRow(i, 0, "agent", 2, 0.0, False, False, {"note": "a,b"}),
                StepRow(i, 1, "agent", None, 1.0, True, False),
            ],
        )


@pytest.fixture
def store(tmp_path: Path):
    with TelemetryStore.open(tmp_path / "runs.sqlite") as s:
        s.begin_session(SessionRow("old", 1.0, "run a.toml", {}))
        _add_run(s, "old", "old-run")
        s.begin_session(SessionRow("new", 2.0, "run b.toml", {}))
        _add_run(s, "new", "new-a", episodes=2)
        _add_run(s, "new", "new-b")
        yield s


def test_csv_steps_of_one_run(store: TelemetryStore) -> None:
    buf = io.StringIO()
    assert export(store, buf, fmt="csv", table="steps", run_id="new-a") == 4
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert rows[0] == [
        "run_id",
        "episode_index",
        "step_index",
        "agent",
        "action",
        "reward",
        "terminated",
        "truncated",
        "extra",
    ]
    assert rows[1] == ["new-a", "0", "0", "agent", "2", "0.0", "False", "False", '{"note": "a,b"}']
    assert rows[2] == ["new-a", "0", "1", "agent", "", "1.0", "True", "False", ""]
    assert [r[1] for r in rows[1:]] == ["0", "0", "1", "1"]


def test_jsonl_episodes_to_path(store: TelemetryStore, tmp_path: Path) -> None:
    out = tmp_path / "episodes.jsonl"
    assert export(store, out, fmt="jsonl", table="episodes", run_id="old-run") == 1
    lines = out.read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {
            "run_id": "old-run",
            "episode_index": 0,
            "seed": 7,
            "total_reward": 1.0,
            "length": 2,
            "terminated": True,
            "truncated": False,
            "started_at": 2.0,
            "ended_at": 3.0,
            "rewards": {"agent": 1.0},
            "success": True,
        }
    ]


def test_default_is_latest_session(store: TelemetryStore) -> None:
    buf = io.StringIO()
    assert export(store, buf, fmt="jsonl", table="runs") == 2
    runs = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert [r["run_id"] for r in runs] == ["new-a", "new-b"]
    assert runs[0]["config"] == {"seed": 1} and runs[0]["session_id"] == "new"


def test_session_id_exports_all_its_runs(store: TelemetryStore) -> None:
    buf = io.StringIO()
    assert export(store, buf, fmt="csv", table="steps", session_id="new") == 6
    ids = [r["run_id"] for r in csv.DictReader(io.StringIO(buf.getvalue()))]
    assert ids == ["new-a"] * 4 + ["new-b"] * 2
    buf = io.StringIO()
    assert export(store, buf, fmt="csv", table="episodes", session_id="old") == 1
    assert "old-run" in buf.getvalue() and "new-a" not in buf.getvalue()


def test_unknown_session_lists_at_most_five(store: TelemetryStore) -> None:
    for i in range(6):
        store.begin_session(SessionRow(f"extra{i}", 10.0 + i, "app", {}))
    with pytest.raises(TelemetryError) as info:
        export(store, io.StringIO(), fmt="csv", table="runs", session_id="missing")
    message = str(info.value)
    assert "unknown session 'missing'" in message
    assert "extra5, extra4, extra3, extra2, extra1" in message
    assert "extra0" not in message and "(8 in all)" in message


def test_unknown_run_and_mismatched_session(store: TelemetryStore) -> None:
    with pytest.raises(TelemetryError, match=r"unknown run 'ghost'.*new-b.*new-a.*old-run"):
        export(store, io.StringIO(), fmt="csv", table="steps", run_id="ghost")
    with pytest.raises(TelemetryError, match="belongs to session 'old'"):
        export(store, io.StringIO(), fmt="csv", table="steps", run_id="old-run", session_id="new")


def test_unknown_format_and_table(store: TelemetryStore, tmp_path: Path) -> None:
    with pytest.raises(TelemetryError, match=r"unknown export format 'xml'.*csv, jsonl"):
        export(store, tmp_path / "x", fmt="xml", table="steps")  # type: ignore[arg-type]
    with pytest.raises(TelemetryError, match=r"unknown table 'frames'.*steps, episodes, runs"):
        export(store, tmp_path / "x", fmt="csv", table="frames")  # type: ignore[arg-type]
    assert not (tmp_path / "x").exists()  # validation happens before the file is created


def test_empty_database_has_nothing_to_export(tmp_path: Path) -> None:
    with TelemetryStore.open(tmp_path / "empty.sqlite") as empty:
        with pytest.raises(TelemetryError, match="no sessions recorded"):
            export(empty, io.StringIO(), fmt="jsonl", table="runs")


def test_csv_header_even_without_rows(store: TelemetryStore) -> None:
    store.begin_session(SessionRow("blank", 99.0, "app", {}))
    buf = io.StringIO()
    assert export(store, buf, fmt="csv", table="episodes") == 0
    assert buf.getvalue().strip().split(",")[0] == "run_id"
