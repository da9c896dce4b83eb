"""What a trained policy adds to a decision: rl_worker with the shipped CartPole MLP vs
baseline_worker, both asked `select_action` for the same CartPole observation through
`WorkerProcess` (the app's pipe, codec and request path).

Baseline: the baseline worker's round trip (it answers without looking at the observation).
Measured: the RL worker's round trip; the line reports its extra time per decision.
Target (issue 11): the policy costs <= 100 us on top of the round trip.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np

POLICY = Path(__file__).resolve().parents[1] / "examples" / "policies" / "cartpole_mlp.npz"


async def _medians(n: int, blocks: int) -> tuple[float, float]:
    """Median seconds per round trip of each worker, measured in alternating blocks (so a
    busy moment of the machine lands on both)."""
    from mosaic_tui.protocol import ActionSelected, AgentReady, InitAgent, SelectAction, pack
    from mosaic_tui.runtime.launcher import worker
    from mosaic_tui.runtime.process import WorkerProcess

    observation = pack(np.array([0.01, -0.02, 0.03, 0.04], dtype=np.float32))
    processes = []
    for worker_id, settings in (
        ("baseline_worker", {"behavior": "random"}),
        ("rl_worker", {"policy_path": str(POLICY)}),
    ):
        argv, env = worker(worker_id).command("bench", settings, player_id="agent")
        processes.append(WorkerProcess(argv, name=worker_id, env=env))
    times: list[list[float]] = [[], []]
    try:
        for process in processes:
            await process.start()
            await process.request(
                InitAgent(player_id="agent", game="CartPole-v1", action_space={"n": 2}),
                AgentReady,
                30,
            )
        for _ in range(blocks):
            for i, process in enumerate(processes):
                began = time.perf_counter()
                for _ in range(n):
                    await process.request(SelectAction(observation=observation), ActionSelected, 10)
                times[i].append((time.perf_counter() - began) / n)
    finally:
        for process in processes:
            await process.stop(grace=1)
    return float(np.median(times[0][1:])), float(np.median(times[1][1:]))  # first: warm-up


def run(quick: bool = False) -> list[str]:
    n, blocks = (100, 5) if quick else (300, 15)
    baseline, rl = asyncio.run(_medians(n, blocks))
    extra = rl - baseline
    print(
        f"decisions: {blocks} alternating blocks of {n} select_action round trips (median);"
        f" baseline_worker {baseline * 1e6:.0f} us, rl_worker (CartPole MLP) {rl * 1e6:.0f} us:"
        f" {extra * 1e6:+.0f} us per decision"
    )
    return [
        f"{'RL .npz MLP decision, extra over a baseline':<44} {extra * 1e6:>9.0f} us"
        f" {baseline * 1e6:>9.0f} us {rl / baseline:>8.2f}  extra <= 100 us"
    ]
