"""Turn-based games headless: steps/s through the workers vs the same policy in-process.

Baseline: the PettingZoo AEC env stepped in this process by the same BaselinePolicy (random,
legal moves from the action mask), dead agents stepped with None as PettingZoo requires.
Measured: OperatorRunner streaming from env_worker (self-driving), every step decoded and
recorded to SQLite. Target (issue 4): >= 50 % of baseline.
"""

from __future__ import annotations

import asyncio
import importlib
import time

import numpy as np

from bench.recorded import recorded_run

GAMES = {"chess_v6": 30, "connect_four_v3": 300}  # games each: ~6,000 plies either way
MAX_STEPS = 200


def in_process(task: str, seeds: list[int]) -> tuple[int, float]:
    from worker_common.policies import BaselinePolicy

    env = importlib.import_module(f"pettingzoo.classic.{task}").env()
    policy = BaselinePolicy("random", int(env.action_space(env.possible_agents[0]).n))
    steps = 0
    began = time.perf_counter()
    for seed in seeds:
        env.reset(seed=seed)
        policy.reset(seed)
        plies = 0
        while env.agents and plies < MAX_STEPS:
            obs, _, term, trunc, _ = env.last()
            if term or trunc:
                env.step(None)
                continue
            env.step(policy.act(np.asarray(obs["action_mask"])))
            steps += 1
            plies += 1
    return steps, time.perf_counter() - began


async def through_workers(task: str, seeds: list[int]) -> tuple[int, float]:
    from mosaic_tui.core import OperatorConfig, WorkerAssignment

    agents = importlib.import_module(f"pettingzoo.classic.{task}").env().possible_agents
    config = OperatorConfig.multi_agent(
        "bench",
        "bench",
        "pettingzoo_classic",
        task,
        {
            a: WorkerAssignment("baseline_worker", "baseline", {"behavior": "random"})
            for a in agents
        },
        max_steps=MAX_STEPS,
    )
    return await recorded_run(config, seeds)


def run(quick: bool = False) -> list[str]:
    """Best of three alternating rounds each (one when quick)."""
    lines = []
    rounds = 1 if quick else 3
    for task, games in GAMES.items():
        seeds = list(range(games // 6 if quick else games))
        in_process(task, seeds[:2])  # warm-up
        base = rate = 0.0
        for _ in range(rounds):
            base_steps, base_s = in_process(task, seeds)
            steps, secs = asyncio.run(through_workers(task, seeds))
            assert steps == base_steps, f"{task}: {steps} plies through workers, {base_steps} here"
            base, rate = max(base, base_steps / base_s), max(rate, steps / secs)
        print(
            f"turns: {task}, random vs random, {len(seeds)} games, {steps} plies, best of"
            f" {rounds}, max {MAX_STEPS} plies"
        )
        lines.append(
            f"{task + ' headless steps/s':<44} {rate:>12,.0f} {base:>12,.0f}"
            f" {rate / base:>8.2f}  >= 0.50"
        )
    return lines
