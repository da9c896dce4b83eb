"""An RL player's headless steps/s: the trained policy played inside the env worker, whole
episodes streamed, against the same policy in rl_worker, asked for every step.

Baseline: the env (`gymnasium.make`) and the same `.npz` policy stepping in this process.
Measured: `OperatorRunner.run_episodes`, every step decoded and recorded (bench/recorded.py):
(1) the env worker plays the policy itself (`--policy-path`), streaming; (2) rl_worker decides,
one `select_action` and one `step` round trip per step. Same steps both ways (asserted).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np

TASK = "MiniGrid-Empty-8x8-v0"
POLICY = Path(__file__).resolve().parents[1] / "examples" / "policies" / "minigrid_empty8x8_ppo.npz"
MAX_STEPS = 100


def in_process(seeds: list[int]) -> tuple[int, float]:
    import gymnasium
    import minigrid  # noqa: F401  (registers the env ids)
    from worker_common.trained import load

    env, policy, rng = gymnasium.make(TASK), load(POLICY), np.random.default_rng(0)
    steps = 0
    began = time.perf_counter()
    for seed in seeds:
        obs, _ = env.reset(seed=seed)
        for _t in range(MAX_STEPS):
            obs, _, terminated, truncated, _ = env.step(policy.act(obs, None, rng)[0])
            steps += 1
            if terminated or truncated:
                break
    return steps, time.perf_counter() - began


async def through_workers(seeds: list[int], hosted: bool) -> tuple[int, float]:
    from bench.recorded import recorded_run
    from mosaic_tui.core import OperatorConfig

    config = OperatorConfig.single_agent(
        "bench", "bench", "rl_worker", "rl", env_name="minigrid", task=TASK,
        max_steps=MAX_STEPS, settings={"policy_path": str(POLICY)},
    )  # fmt: skip
    return await recorded_run(config, seeds, stream=hosted, self_drive=hosted)


def run(quick: bool = False) -> list[str]:
    """Best of three alternating rounds, after an untimed warm-up of the in-process loop."""
    seeds = list(range(100 if quick else 1000))
    in_process(seeds[:20])
    base = hosted = asked = 0.0
    for _ in range(1 if quick else 3):
        base_steps, secs = in_process(seeds)
        base = max(base, base_steps / secs)
        for inside in (True, False):
            steps, secs = asyncio.run(through_workers(seeds, inside))
            assert steps == base_steps, f"worker ran {steps} steps, in-process {base_steps}"
            if inside:
                hosted = max(hosted, steps / secs)
            else:
                asked = max(asked, steps / secs)
    print(f"rl: {base_steps} steps of {TASK}, greedy {POLICY.name}, max_steps {MAX_STEPS}")
    return [
        f"{'RL player in the env worker, streamed':<44} {hosted:>12,.0f} {base:>12,.0f}"
        f" {hosted / base:>8.2f}  (info)",
        f"{'RL player in rl_worker, asked each step':<44} {asked:>12,.0f} {base:>12,.0f}"
        f" {asked / base:>8.2f}  (info)",
    ]
