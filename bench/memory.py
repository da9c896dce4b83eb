"""Memory of a long headless run: RSS of `mosaic-tui run` after 1,000 episodes vs at the end.

Baseline: the main process's RSS once 1,000 FrozenLake episodes are recorded.
Measured: its RSS at the last sample before the last episode is recorded (100,000; 20,000 with
--quick). Target (issue 8): memory does not grow with the episode count: ratio <= 1.10.
Also shown: the peak once every episode is recorded, while the summary is read back from
SQLite (its page cache fills: a bounded bump, sampled or missed depending on timing).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILE = """name = "memory"
[execution]
episodes = {episodes}
[[operators]]
id = "lake"
env_name = "toytext"
task = "FrozenLake-v1"
workers.agent = {{ type = "baseline", behavior = "random" }}
"""


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return 0.0


def recorded(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute("select count(*) from episodes").fetchone()[0])
    except sqlite3.Error:
        return 0


def measure(episodes: int) -> tuple[float, float, float, float]:
    """(RSS at 1,000 episodes, at the last sample of the run, peak at its end, seconds)."""
    tmp = Path(tempfile.mkdtemp(prefix="mosaic-bench-memory-"))
    try:
        spec, db = tmp / "memory.toml", tmp / "memory.sqlite"
        spec.write_text(FILE.format(episodes=episodes))
        cli = [sys.executable, "-m", "mosaic_tui", "run", str(spec), "--db", str(db)]
        env = {**os.environ, "MOSAIC_TUI_STATE_DIR": str(tmp / "state")}
        began = time.perf_counter()
        proc = subprocess.Popen(cli, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        first = running = end = 0.0
        while proc.poll() is None:
            n = recorded(db)
            rss = rss_mib(proc.pid) if proc.poll() is None else 0.0
            if n >= 1000 and not first:
                first = rss
            if 0 < n < episodes:
                running = rss  # the newest sample while episodes are still being played
            elif n == episodes:
                end = max(end, rss)  # summary and shutdown
            time.sleep(0.2)
        _, err = proc.communicate()
        if proc.returncode != 0 or recorded(db) != episodes:
            raise RuntimeError(f"run failed ({proc.returncode}): {err.decode()[-500:]}")
        return first, running, end, time.perf_counter() - began
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(quick: bool = False) -> list[str]:
    if not sys.platform.startswith("linux"):
        return [f"{'memory: needs /proc (Linux)':<44}"]
    episodes = 20_000 if quick else 100_000
    first, running, end, secs = measure(episodes)
    print(f"memory: {episodes:,} FrozenLake episodes headless in {secs:.0f} s; RSS MiB")
    rows = [
        f"{f'RSS after {episodes:,} episodes (MiB)':<44} {running:>12.1f} {first:>12.1f}"
        f" {running / first:>8.2f}  <= 1.10"
    ]
    if end:  # missed when the process ends between two samples
        rows.append(
            f"{'  peak while summarising (MiB)':<44} {end:>12.1f} {first:>12.1f}"
            f" {end / first:>8.2f}  (info)"
        )
    return rows
