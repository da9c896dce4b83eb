"""How the app grows with its operators: 1, 4 and 16 MiniGrid operators at 30 steps/s each in
a 200x60 pseudo-terminal (the 16 as a 4x4 grid), every step recorded.

Per count: CPU of the app and all its workers (cores), bytes to the terminal per second,
memory (PSS of the app and every worker, shared pages counted once), the steps per second each
operator achieved; and key press -> the human's pane redrawn with 15 operators running beside
it (headless Textual, Pilot). Ratios against 1 operator in the same run. Budgets for 16
(issue 13): <= 1.5 cores, <= 400 KB/s, key -> frame <= 50 ms.
"""

from __future__ import annotations

import asyncio
import statistics

from bench.app import key_latency, on_screen

SIZE = (200, 60)
COUNTS = (1, 4, 16)


def run(quick: bool = False) -> list[str]:
    warmup, window = (5.0, 4.0) if quick else (8.0, 10.0)
    found = {n: on_screen(False, warmup, window, operators=n, size=SIZE) for n in COUNTS}
    presses = 8 if quick else 25
    busy = asyncio.run(key_latency(15, presses, size=SIZE))
    alone = asyncio.run(key_latency(0, presses, size=SIZE))
    med, med0 = statistics.median(busy), statistics.median(alone)
    one = found[1]
    for n, got in found.items():
        print(
            f"scale: {n:>2} operators at {SIZE[0]}x{SIZE[1]}: {got['cores']:.2f} cores"
            f" (app {got['app_cores']:.2f}, workers {got['cores'] - got['app_cores']:.2f}),"
            f" {got['kbps']:.0f} KB/s, {got['mib']:.0f} MiB PSS, {got['fps']:.1f} steps/s each"
        )
    sixteen = found[16]
    return [
        f"{'16 ops @30 CPU, cores (vs 1 op)':<44} {sixteen['cores']:>12.2f}"
        f" {one['cores']:>12.2f} {sixteen['cores'] / one['cores']:>8.1f}  <= 1.5 cores",
        f"{'16 ops @30 output KB/s (vs 1 op)':<44} {sixteen['kbps']:>12.0f}"
        f" {one['kbps']:>12.0f} {sixteen['kbps'] / one['kbps']:>8.1f}  <= 400 KB/s",
        f"{'16 ops @30 memory PSS MiB (vs 1 op)':<44} {sixteen['mib']:>12.0f}"
        f" {one['mib']:>12.0f} {sixteen['mib'] / one['mib']:>8.1f}  (info)",
        f"{'16 ops @30 steps/s each (vs 1 op)':<44} {sixteen['fps']:>12.1f}"
        f" {one['fps']:>12.1f} {sixteen['fps'] / one['fps']:>8.2f}  (info)",
        f"{'key -> frame ms, 15 ops beside (vs alone)':<44} {med * 1e3:>12.1f}"
        f" {med0 * 1e3:>12.1f} {med / med0:>8.2f}  <= 50 ms",
    ]
