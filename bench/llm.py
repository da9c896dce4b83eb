"""What the LLM worker adds to a decision beyond the model's HTTP call: prompt, parse, record,
and the protocol round trip, against the stand-in endpoint (no model: its answer is instant).

Measured: a `select_action` through `WorkerProcess` to the LLM worker, minus the time the worker
itself spent in the model's HTTP call (its decision record's `latency_ms`), per decision.
Baseline, in the same run: that HTTP call. Target (issue 11): overhead <= 5 ms per decision.
"""

from __future__ import annotations

import asyncio
import time

import numpy as np


async def _worker_round_trips(url: str, n: int) -> tuple[float, float]:
    import gymnasium as gym
    import minigrid  # noqa: F401

    from mosaic_tui.protocol import ActionSelected, AgentReady, InitAgent, SelectAction, pack
    from mosaic_tui.runtime.launcher import worker
    from mosaic_tui.runtime.process import WorkerProcess

    env = gym.make("MiniGrid-Empty-5x5-v0")
    observation = pack(env.reset(seed=0)[0])
    labels = ["left", "right", "forward", "pickup", "drop", "toggle", "done"]
    argv, environ = worker("llm_worker").command(
        "bench", {"model": "mock", "base_url": url}, player_id="agent"
    )
    process = WorkerProcess(argv, name="llm_worker", env=environ)
    try:
        await process.start()
        await process.request(
            InitAgent(player_id="agent", game="MiniGrid-Empty-5x5-v0", labels=labels),
            AgentReady,
            30,
        )
        ask = SelectAction(observation=observation, step_index=1)
        for _ in range(20):
            await process.request(SelectAction(observation=observation), ActionSelected, 10)
        overheads, calls = [], []
        for _ in range(n):
            began = time.perf_counter()
            event = await process.request(ask, ActionSelected, 10)
            whole = time.perf_counter() - began
            call = float((event.record or {}).get("latency_ms", 0.0)) / 1000
            overheads.append(whole - call)
            calls.append(call)
            ask = SelectAction(observation=observation, step_index=1)
        return float(np.median(overheads)), float(np.median(calls))
    finally:
        await process.stop(grace=1)


def run(quick: bool = False) -> list[str]:
    from llm_worker.mock_server import start

    n = 50 if quick else 300
    server, url = start("first", seed=0)
    try:
        overhead, http = asyncio.run(_worker_round_trips(url, n))
    finally:
        server.shutdown()
    print(
        f"llm: {n} decisions through the LLM worker (medians): the model's HTTP call"
        f" {http * 1e3:.2f} ms, everything else {overhead * 1e3:.2f} ms"
    )
    return [
        f"{'LLM worker overhead per decision (MiniGrid)':<44} {overhead * 1e3:>9.2f} ms"
        f" {http * 1e3:>9.2f} ms {overhead / http:>8.2f}  overhead <= 5 ms"
    ]
