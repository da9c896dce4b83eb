"""`mosaic-tui report` over a big store: 10,000 episodes and 1,000,000 steps (issue 12's size),
in 10 runs of 1,000 episodes of 100 steps; one run is an LLM player's, every step with its
decision record, so the report reads them too.

Measured: `build_report` (what `mosaic-tui report` computes) and rendering it as a table.
Baseline, in the same run: reading the same episodes table with one plain SQL scan, the least
any report must read. Target (issue 12): report <= 2 s.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from pathlib import Path


def _fill(path: Path, runs: int, episodes: int, steps: int) -> str:
    from mosaic_tui.telemetry import TelemetryStore
    from mosaic_tui.telemetry.rows import RunRow, SessionRow

    with TelemetryStore.open(path) as store:
        store.begin_session(SessionRow("bench", time.time(), "run", {"experiment": "bench"}))
        for r in range(runs):
            store.begin_run(RunRow(f"run{r}", "bench", f"op{r}", f"op{r}", "toytext",
                                   "FrozenLake-v1", {}, time.time()))  # fmt: skip
            store.end_run(f"run{r}", "finished")
    decision = json.dumps({"decision": {"replies": 1, "valid": True, "latency_ms": 900.0,
                                        "tokens_in": 300, "tokens_out": 5}})  # fmt: skip
    with sqlite3.connect(path) as conn:  # bulk rows straight in: the store writes per episode
        for r in range(runs):
            conn.executemany(
                "INSERT INTO episodes VALUES (?, ?, ?, ?, ?, 1, 0, 0.0, 1.0, NULL, ?)",
                ((f"run{r}", e, e, float(e % 3 == 0), steps, int(e % 3 == 0))
                 for e in range(episodes)),
            )  # fmt: skip
            extra = decision if r == 0 else None
            conn.executemany(
                "INSERT INTO steps VALUES (?, ?, ?, 'agent', 0, 0.0, 0, 0, ?)",
                ((f"run{r}", e, s, extra) for e in range(episodes) for s in range(1, steps + 1)),
            )
    return "bench"


def run(quick: bool = False) -> list[str]:
    from mosaic_tui.cli.report import render
    from mosaic_tui.telemetry import TelemetryStore
    from mosaic_tui.telemetry.report import build_report

    runs, episodes, steps = (10, 100, 100) if quick else (10, 1000, 100)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.sqlite"
        session = _fill(path, runs, episodes, steps)
        with sqlite3.connect(path) as conn:
            began = time.perf_counter()
            rows = conn.execute("SELECT seed, total_reward, length FROM episodes").fetchall()
            baseline = time.perf_counter() - began
        assert len(rows) == runs * episodes
        with TelemetryStore.open(path) as store:
            began = time.perf_counter()
            report = build_report(store, session)
            render(report, "table")
            measured = time.perf_counter() - began
    answers = report.operators[0].players[0].decisions
    print(
        f"report: {runs * episodes:,} episodes, {runs * episodes * steps:,} steps"
        f" ({answers:,} LLM decisions): report {measured:.2f} s; plain scan of the episodes"
        f" {baseline * 1e3:.1f} ms"
    )
    return [
        f"{'report over 10k episodes, 1M steps':<44} {measured:>10.2f} s {baseline:>10.3f} s"
        f" {measured / baseline:>8.0f}  report <= 2 s"
    ]
