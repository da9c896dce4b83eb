"""Operator added -> first frame, and what a worker costs in memory: workers forked from the
template process (runtime/template.py) vs spawned as fresh interpreters, in the same run.

First frame: from starting an operator (MiniGrid-Empty-8x8, its env worker and a seeded
baseline's decision worker) to the answer of its first reset, which carries the first frame;
median of 10 after the template is up. Memory: RSS and PSS (shared pages divided among the
processes that share them; /proc/PID/smaps_rollup) of each worker while both run. Target:
<= 150 ms with the template.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path


def _config():  # type: ignore[no-untyped-def]
    from mosaic_tui.core import OperatorConfig

    return OperatorConfig.single_agent(
        "bench", "bench", "baseline_worker", "baseline", env_name="minigrid",
        task="MiniGrid-Empty-8x8-v0", max_steps=100, settings={"behavior": "random", "seed": 1},
    )  # fmt: skip


def _memory(pid: int | None) -> tuple[float, float]:
    """(RSS, PSS) in MiB."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if parts and parts[0] in ("Rss:", "Pss:"):
            values[parts[0]] = int(parts[1]) / 1024
    return values.get("Rss:", 0.0), values.get("Pss:", 0.0)


async def _first_frames(count: int) -> tuple[list[float], list[tuple[float, float]]]:
    from mosaic_tui.runtime import OperatorRunner
    from mosaic_tui.runtime.players import WorkerPlayer

    times, memory = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            runner = OperatorRunner(_config(), run_id=f"start-{i}", log_dir=Path(tmp))
            began = time.perf_counter()
            await runner.start()
            await runner.reset(1)
            times.append(time.perf_counter() - began)
            if i == 0:
                player = next(iter(runner.players.values()))
                assert isinstance(player, WorkerPlayer)
                memory = [_memory(runner.env_process.pid), _memory(player.process.pid)]
            await runner.stop()
    return times, memory


def run(quick: bool = False) -> list[str]:
    from mosaic_tui.runtime import template

    count = 3 if quick else 10
    if not template.available():
        print("startup: no template process here (not Linux): only spawning")
        return []
    template.warm()
    time.sleep(2.0)  # its imports, done before the first operator is added
    forked, forked_mem = asyncio.run(_first_frames(count))
    os.environ[template.SWITCH] = "0"
    try:
        spawned, spawned_mem = asyncio.run(_first_frames(count))
    finally:
        del os.environ[template.SWITCH]
    fork_ms, spawn_ms = statistics.median(forked) * 1000, statistics.median(spawned) * 1000
    (f_env, f_dec), (s_env, s_dec) = forked_mem, spawned_mem
    print(
        f"startup: first frame median of {count}: forked {fork_ms:.0f} ms, spawned"
        f" {spawn_ms:.0f} ms. Memory (RSS/PSS MiB) env worker {f_env[0]:.0f}/{f_env[1]:.0f}"
        f" forked vs {s_env[0]:.0f}/{s_env[1]:.0f} spawned; decision worker"
        f" {f_dec[0]:.0f}/{f_dec[1]:.0f} vs {s_dec[0]:.0f}/{s_dec[1]:.0f}"
    )
    return [
        f"{'operator start -> first frame, ms (median)':<44} {fork_ms:>12,.0f}"
        f" {spawn_ms:>12,.0f} {fork_ms / spawn_ms:>8.2f}  <= 150 ms",
        f"{'env + decision worker PSS, MiB':<44} {f_env[1] + f_dec[1]:>12,.0f}"
        f" {s_env[1] + s_dec[1]:>12,.0f} {(f_env[1] + f_dec[1]) / (s_env[1] + s_dec[1]):>8.2f}"
        "  (info)",
    ]
