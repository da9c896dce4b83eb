"""Simultaneous games headless: env steps/s through the workers vs the same policy in-process.

Baseline: the env stepped in this process, every agent's action drawn by the same
BaselinePolicy (random) in agent order, as the env worker's own policy draws them.
Measured: OperatorRunner streaming from env_worker (self-driving), every step decoded and
recorded to SQLite (a row per agent). Target (issue 4): >= 50 % of baseline.

MultiGrid needs the `multigrid` extra; without it that line says how to install it.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time

from bench.recorded import recorded_run

GAMES = {
    "MosaicMultiGrid-S-2v2-IndAgObs-v1": ("multigrid", 24),
    "cooperative_pong_v6": (
        "pettingzoo_butterfly",
        6,
    ),
}
MAX_STEPS = 256


def in_process(task: str, seeds: list[int]) -> tuple[int, float]:
    from worker_common.policies import BaselinePolicy

    from mosaic_tui.envs import make_env

    env = make_env(task, render_mode=None)
    parallel = hasattr(env, "possible_agents")
    keys = list(env.possible_agents if parallel else env.action_space.spaces)
    space = env.action_space(keys[0]) if parallel else env.action_space.spaces[keys[0]]
    policy = BaselinePolicy("random", int(space.n))
    steps = 0
    began = time.perf_counter()
    for seed in seeds:
        obs, _ = env.reset(seed=seed)
        policy.reset(seed)
        live = list(obs)
        for _ in range(MAX_STEPS):
            obs, _, terms, truncs, _ = env.step({k: policy.act() for k in live})
            steps += 1
            live = (
                list(env.agents)
                if parallel
                else [k for k in live if not (terms.get(k) or truncs.get(k))]
            )
            if not live:
                break
    env.close()
    return steps, time.perf_counter() - began


async def through_workers(task: str, family: str, seeds: list[int]) -> tuple[int, float]:
    from mosaic_tui.core import OperatorConfig, WorkerAssignment
    from mosaic_tui.envs import agent_ids

    random = WorkerAssignment("baseline_worker", "baseline", {"behavior": "random"})
    config = OperatorConfig.multi_agent(
        "bench",
        "bench",
        family,
        task,
        dict.fromkeys(agent_ids(task), random),
        execution_mode="parallel",
        observation_mode="egocentric",
        max_steps=MAX_STEPS,
    )
    return await recorded_run(config, seeds, warm_up=True)


def run(quick: bool = False) -> list[str]:
    """Best of three alternating rounds each (one when quick)."""
    lines = []
    rounds = 1 if quick else 3
    for task, (family, episodes) in GAMES.items():
        label = f"{task.removeprefix('MosaicMultiGrid-')} headless steps/s"
        if family == "multigrid" and importlib.util.find_spec("mosaic_multigrid") is None:
            lines.append(f"{label:<44} {'skipped':>12}  (pip install -e '.[multigrid]')")
            continue
        seeds = list(range(max(1, episodes // 4) if quick else episodes))
        in_process(task, seeds[:1])  # warm-up (MultiGrid JIT-compiles on first reset)
        base = rate = 0.0
        for _ in range(rounds):
            base_steps, base_s = in_process(task, seeds)
            steps, secs = asyncio.run(through_workers(task, family, seeds))
            assert steps == base_steps, f"{task}: {steps} steps through workers, {base_steps} here"
            base, rate = max(base, base_steps / base_s), max(rate, steps / secs)
        print(
            f"simultaneous: {task}, all random, {len(seeds)} episodes, {steps} steps, best of"
            f" {rounds}"
        )
        lines.append(f"{label:<44} {rate:>12,.0f} {base:>12,.0f} {rate / base:>8.2f}  >= 0.50")
    return lines
