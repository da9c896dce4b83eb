"""Export telemetry tables as CSV or JSON lines for pandas, spreadsheets and jq.

Rows are streamed from the store, so a sweep with millions of steps exports in constant
memory. Every steps/episodes row carries its ``run_id`` so several runs share one file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal, TextIO

from mosaic_tui.telemetry.store import TelemetryError, TelemetryStore, format_ids
from mosaic_tui.telemetry.text import redact_text

Format = Literal["csv", "jsonl"]
Table = Literal["steps", "episodes", "runs"]

FORMATS: tuple[str, ...] = ("csv", "jsonl")
COLUMNS: dict[str, tuple[str, ...]] = {
    "steps": (
        "run_id",
        "episode_index",
        "step_index",
        "agent",
        "action",
        "reward",
        "terminated",
        "truncated",
        "extra",
    ),
    "episodes": (
        "run_id",
        "episode_index",
        "seed",
        "total_reward",
        "length",
        "terminated",
        "truncated",
        "started_at",
        "ended_at",
        "rewards",
        "success",
    ),
    "runs": (
        "run_id",
        "session_id",
        "operator_id",
        "display_name",
        "env_name",
        "task",
        "config",
        "started_at",
        "ended_at",
        "status",
        "error",
    ),
}


def export(
    store: TelemetryStore,
    out: Path | TextIO,
    *,
    fmt: Format,
    table: Table,
    session_id: str | None = None,
    run_id: str | None = None,
) -> int:
    """Write ``table`` for one run, one session, or (by default) the latest session.

    Returns the number of data rows written (the CSV header is not counted).
    """
    if fmt not in FORMATS:
        raise TelemetryError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if table not in COLUMNS:
        raise TelemetryError(f"unknown table {table!r}; choose one of: {', '.join(COLUMNS)}")
    run_ids = _select_runs(store, session_id, run_id)
    records = _records(store, table, run_ids)
    if isinstance(out, (str, Path)):
        with open(out, "w", encoding="utf-8", newline="") as handle:
            return _write(handle, fmt, COLUMNS[table], records)
    return _write(out, fmt, COLUMNS[table], records)


def _select_runs(store: TelemetryStore, session_id: str | None, run_id: str | None) -> list[str]:
    if run_id is not None:
        run = store.run(run_id)
        if run is None:
            raise TelemetryError(
                f"unknown run {run_id!r}; known runs (newest first): "
                f"{format_ids(store.recent_run_ids())}"
            )
        if session_id is not None and run.session_id != session_id:
            raise TelemetryError(
                f"run {run_id!r} belongs to session {run.session_id!r}, not {session_id!r}"
            )
        return [run_id]
    if session_id is None:
        session_id = store.latest_session_id()
        if session_id is None:
            raise TelemetryError(f"no sessions recorded in {store.path}; nothing to export")
    else:
        known = [s.session_id for s in store.sessions()]
        if session_id not in known:
            raise TelemetryError(
                f"unknown session {session_id!r}; known sessions (newest first): "
                f"{format_ids(known)}"
            )
    return [r.run_id for r in store.runs(session_id)]


def _records(store: TelemetryStore, table: str, run_ids: list[str]) -> Iterator[dict[str, Any]]:
    for rid in run_ids:
        if table == "runs":
            run = store.run(rid)
            if run is not None:
                record = asdict(run)
                if record["error"]:  # rows written before errors were scrubbed, too
                    record["error"] = redact_text(record["error"])
                yield record
        elif table == "episodes":
            yield from (asdict(e) for e in store.episodes(rid))
        else:
            for step in store.iter_steps(rid):
                yield {"run_id": rid, **asdict(step)}


def _write(
    handle: TextIO, fmt: str, columns: tuple[str, ...], records: Iterable[dict[str, Any]]
) -> int:
    count = 0
    if fmt == "jsonl":
        for record in records:
            handle.write(json.dumps({c: record[c] for c in columns}) + "\n")
            count += 1
        return count
    writer = csv.writer(handle)
    writer.writerow(columns)
    for record in records:
        writer.writerow([_csv_cell(record[c]) for c in columns])
        count += 1
    return count


def _csv_cell(value: Any) -> Any:
    """Dicts as JSON text, None as an empty cell; the rest as csv renders it."""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return "" if value is None else value
