"""Headless steps/s through the workers vs the same policy stepping the env in-process.

Baseline: `gymnasium.make` + the same BaselinePolicy in this process, no I/O.
Measured: `OperatorRunner.run_episodes` streaming from env_worker, every step decoded and
recorded into SQLite by the Recorder (the path `mosaic-tui run` takes).
Target (issue 2): streamed >= 50 % of baseline; (issue 13) per-step requests >= 40 %.
"""

from __future__ import annotations

import asyncio
import time

from bench.recorded import recorded_run

TASK = "MiniGrid-Empty-8x8-v0"
MAX_STEPS = 100


def in_process(seeds: list[int]) -> tuple[int, float]:
    import gymnasium
    import minigrid  # noqa: F401  (registers the env ids)
    from worker_common.policies import BaselinePolicy

    env = gymnasium.make(TASK)
    policy = BaselinePolicy("random", int(env.action_space.n))
    steps = 0
    began = time.perf_counter()
    for seed in seeds:
        env.reset(seed=seed)
        policy.reset(seed)
        for _t in range(MAX_STEPS):
            _, _, terminated, truncated, _ = env.step(policy.act())
            steps += 1
            if terminated or truncated:
                break
    return steps, time.perf_counter() - began


async def through_workers(seeds: list[int], stream: bool) -> tuple[int, float]:
    from mosaic_tui.core import OperatorConfig

    config = OperatorConfig.single_agent(
        "bench",
        "bench",
        "baseline_worker",
        "baseline",
        env_name="minigrid",
        task=TASK,
        max_steps=MAX_STEPS,
        settings={"behavior": "random"},
    )
    return await recorded_run(config, seeds, stream)


def run(quick: bool = False) -> list[str]:
    """Best of three alternating rounds each, after an untimed warm-up of the in-process loop."""
    seeds = list(range(60 if quick else 300))
    in_process(seeds[:20])
    rounds = 1 if quick else 3
    base = streamed = stepped = 0.0
    base_steps = 0
    for _ in range(rounds):
        base_steps, secs = in_process(seeds)
        base = max(base, base_steps / secs)
        for stream in (True, False):
            steps, secs = asyncio.run(through_workers(seeds, stream))
            assert steps == base_steps, f"worker ran {steps} steps, in-process {base_steps}"
            if stream:
                streamed = max(streamed, steps / secs)
            else:
                stepped = max(stepped, steps / secs)
    print(
        f"headless: {base_steps} steps of {TASK}, random baseline, max_steps {MAX_STEPS},"
        f" best of {rounds}"
    )
    return [
        f"{'headless streamed (run) steps/s':<44} {streamed:>12,.0f} {base:>12,.0f}"
        f" {streamed / base:>8.2f}  >= 0.50",
        f"{'headless per-step requests steps/s':<44} {stepped:>12,.0f} {base:>12,.0f}"
        f" {stepped / base:>8.2f}  >= 0.40 (issue 13)",
    ]
