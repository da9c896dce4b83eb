"""A remote worker over loopback ssh vs the same worker here: streamed MiniGrid steps/s, each
step decoded and recorded (the path `mosaic-tui run` takes), best of alternating rounds.

The host is a real sshd on 127.0.0.1 started for the bench (tests/loopback_sshd.py), so the
cost measured is ssh's (encryption, its channel) on top of the same protocol; start-up (the ssh
handshake, the boot) is timed apart. Target: >= 50 % of local steps/s. Skipped when no sshd is
installed.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.recorded import recorded_run

TASK = "MiniGrid-Empty-8x8-v0"
MAX_STEPS = 100


def _config(host: str | None):  # type: ignore[no-untyped-def]
    from mosaic_tui.core import OperatorConfig

    config = OperatorConfig.single_agent(
        "bench", "bench", "baseline_worker", "baseline", env_name="minigrid", task=TASK,
        max_steps=MAX_STEPS, settings={"behavior": "random"},
    )  # fmt: skip
    return config.replace(host=host)


async def _start_up(host: str | None) -> float:
    """Seconds from starting the operator to its first frame (the first reset's answer)."""
    from mosaic_tui.runtime import OperatorRunner

    with tempfile.TemporaryDirectory() as tmp:
        runner = OperatorRunner(_config(host), run_id="bench-start", log_dir=Path(tmp))
        began = time.perf_counter()
        await runner.start()
        await runner.reset(1)
        elapsed = time.perf_counter() - began
        await runner.stop()
    return elapsed


def run(quick: bool = False) -> list[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from loopback_sshd import ALIAS, LoopbackSshd, missing

    why = missing()
    if why:
        print(f"remote: skipped ({why})")
        return []
    seeds = list(range(60 if quick else 300))
    rounds = 1 if quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        sshd = LoopbackSshd(Path(tmp))
        sshd.start()
        os.environ["MOSAIC_TUI_HOSTS"] = str(sshd.hosts_file)
        try:
            here = there = 0.0
            steps = 0
            for _ in range(rounds):
                for host in (None, ALIAS):
                    steps, secs = asyncio.run(recorded_run(_config(host), seeds, True))
                    if host is None:
                        here = max(here, steps / secs)
                    else:
                        there = max(there, steps / secs)
            start_here = min(asyncio.run(_start_up(None)) for _ in range(3))
            start_there = min(asyncio.run(_start_up(ALIAS)) for _ in range(3))
        finally:
            os.environ.pop("MOSAIC_TUI_HOSTS", None)
            sshd.stop()
    print(
        f"remote: {steps} steps of {TASK} streamed, best of {rounds}; operator start to first"
        f" frame {start_there * 1000:.0f} ms over ssh, {start_here * 1000:.0f} ms here"
    )
    return [
        f"{'remote (loopback ssh) streamed steps/s':<44} {there:>12,.0f} {here:>12,.0f}"
        f" {there / here:>8.2f}  >= 0.50",
        f"{'remote start to first frame, ms':<44} {start_there * 1000:>12,.0f}"
        f" {start_here * 1000:>12,.0f} {start_there / start_here:>8.2f}  (info)",
    ]
