"""The event loop while a reference-dialect worker sends full-size frames.

A reference env worker sends every frame as JSON lists (`render_payload`: ~1 MB for 256x256).
`WorkerProcess` decodes such lines in a helper process and fits the frame to the pane there.
Measured: the longest the event loop stalls (a 1 ms ticker's worst gap) while 30 such lines
are read and decoded. Baseline, in the same run: the same lines decoded on the loop itself.
Target: the helper keeps the loop's worst stall under a quarter of the inline one.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SENDER = """
import sys
line = open(sys.argv[1], "rb").read()
for _ in range(int(sys.argv[2])):
    sys.stdout.buffer.write(line)
sys.stdout.buffer.flush()
"""


async def _worst_stall(path: Path, lines: int, inline: bool) -> tuple[float, float]:
    from mosaic_tui.protocol import FrameRequest
    from mosaic_tui.runtime import decoding
    from mosaic_tui.runtime.process import WorkerProcess

    limit = decoding.POOL_BYTES
    decoding.POOL_BYTES = 1 << 40 if inline else limit
    worker = WorkerProcess(
        [sys.executable, "-c", SENDER, str(path), str(lines)],
        name="reference-frames",
        dialect="mosaic",
        frame=FrameRequest(80, 48),
    )
    worst = 0.0
    try:
        start = time.perf_counter()
        await worker.start()
        last = time.perf_counter()
        got = 0
        while got < lines:
            try:
                await worker.next_event(0.001)
                got += 1
            except Exception:  # noqa: BLE001 - the 1 ms tick: nothing arrived yet
                pass
            now = time.perf_counter()
            worst = max(worst, now - last)
            last = now
        elapsed = time.perf_counter() - start
    finally:
        await worker.stop(grace=0.5)
        decoding.POOL_BYTES = limit
    return worst, elapsed


def run(quick: bool = False) -> list[str]:
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)
    step = {
        "type": "step", "run_id": "r", "step_index": 0, "episode_index": 0, "action": 2,
        "reward": 0.0, "terminated": False, "truncated": False, "episode_reward": 0.0,
        "render_payload": {"mode": "rgb", "width": 256, "height": 256, "rgb": rgb.tolist()},
    }  # fmt: skip
    lines = 8 if quick else 30
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "line.json"
        path.write_bytes(json.dumps(step).encode() + b"\n")
        size = path.stat().st_size
        helped, t_elapsed = asyncio.run(_worst_stall(path, lines, inline=False))
        inline, i_elapsed = asyncio.run(_worst_stall(path, lines, inline=True))
    print(
        f"reference: {lines} steps of {size / 1e6:.2f} MB; worst loop stall {helped * 1e3:.1f} ms"
        f" decoded in the helper process ({lines / t_elapsed:.0f} steps/s),"
        f" {inline * 1e3:.1f} ms on the loop ({lines / i_elapsed:.0f} steps/s)"
    )
    return [
        f"{'event loop stall per 256x256 reference frame':<44} {helped * 1e3:>9.1f} ms"
        f" {inline * 1e3:>9.1f} ms {helped / inline:>8.2f}  <= 0.25"
    ]
