"""Replaying recorded episodes (issue 12): a 500-step MiniGrid episode (DoorKey-8x8)
re-simulated through the env worker from its seed and actions, and a 200-step one as a GIF.

Replay: steps a second through the env worker subprocess, no frames (headless
re-simulation, which builds no agent views: env_worker/unobserved.py), from the reset's answer
to the last step's (starting and stopping the worker, ~0.6 s together, are not re-simulation);
baseline in the same run: the same env stepped with the same actions in this process by
Gymnasium alone, building its views as a plain `step` does (and, printed beside it, without
them). GIF: `mosaic-tui gif`'s work (replay at the env's resolution, palettes, Pillow's
write), baseline: Pillow quantising and writing those frames alone, after the fact. Targets:
>= 5,000 steps/s; GIF <= 3 s.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

TASK = "MiniGrid-DoorKey-8x8-v0"  # cycling moves never open its door: 500 steps


def _record(db: Path, steps: int) -> tuple[object, int | None, list]:
    from mosaic_tui.core import OperatorConfig
    from mosaic_tui.experiments import parse, run_experiment
    from mosaic_tui.telemetry import TelemetryStore

    spec = parse({"execution": {"episodes": 1, "seeds": [1]}, "operators": [
        {"id": "grid", "env_name": "minigrid", "task": TASK, "max_steps": steps,
         "workers": {"agent": {"type": "baseline", "behavior": "cycling"}}}]})  # fmt: skip
    with TelemetryStore.open(db) as store:
        result = asyncio.run(run_experiment(spec, store, log_dir=db.parent))
        run = store.runs(result.session_id)[0]
        rows = store.step_table(run.run_id)
        seed = store.episodes(run.run_id)[0].seed
    return OperatorConfig.from_dict(run.config), seed, rows


async def _replay(config, seed, rows, frame):  # type: ignore[no-untyped-def]
    from mosaic_tui.runtime.replay import EpisodeReplay, recorded_steps

    steps = recorded_steps(rows)
    frames, began, last = [], 0.0, 0.0
    async for replayed in EpisodeReplay(config, seed, steps, frame).play():
        if replayed.step_index == 0:
            began = time.perf_counter()  # from the reset on: the worker's start is not replay
        frames.append(replayed.frame)
        last = time.perf_counter()  # the last step's arrival: the worker's stop is not either
    return last - began, frames


def _direct(seed: int | None, rows: list, length: int, views: bool) -> float:
    """Gymnasium alone on the recorded actions, in seconds; `views=False` skips MiniGrid's."""
    import gymnasium as gym
    import minigrid  # noqa: F401

    env = gym.make(TASK, max_steps=length)
    obs, _ = env.reset(seed=seed)
    if not views:
        env.unwrapped.gen_obs = lambda: obs
    began = time.perf_counter()
    for row in rows:
        env.step(row[3])
    return time.perf_counter() - began


def run(quick: bool = False) -> list[str]:
    from PIL import Image

    from mosaic_tui.cli.gif import gif_images
    from mosaic_tui.protocol import FrameRequest
    from mosaic_tui.runtime.replay import recorded_steps

    length = 100 if quick else 500
    with tempfile.TemporaryDirectory() as tmp:
        config, seed, rows = _record(Path(tmp) / "r.sqlite", length)
        replay_s, _ = asyncio.run(_replay(config, seed, rows, None))
        direct_s = _direct(seed, rows, length, views=True)
        blind_s = _direct(seed, rows, length, views=False)
        gif_rows = [row for row in rows if row[1] <= 200]
        began = time.perf_counter()
        steps = recorded_steps(gif_rows)
        images, _ = asyncio.run(gif_images(config, seed, steps, FrameRequest(4096, 4096)))
        images[0].save(Path(tmp) / "e.gif", save_all=True, append_images=images[1:], loop=0,
                       duration=125)  # fmt: skip
        gif_s = time.perf_counter() - began
        _, frames = asyncio.run(_replay(config, seed, gif_rows, FrameRequest(4096, 4096)))
        rgb = [Image.fromarray(f.to_array(), "RGB") for f in frames if f is not None]
        began = time.perf_counter()
        rgb[0].save(Path(tmp) / "p.gif", save_all=True, append_images=rgb[1:], loop=0,
                    duration=125)  # fmt: skip
        pillow_s = time.perf_counter() - began
    n = len(rows)
    replay_rate, direct_rate, blind_rate = n / replay_s, n / direct_s, n / blind_s
    print(
        f"replay: {n} steps of {TASK} re-simulated through the env worker at"
        f" {replay_rate:,.0f} steps/s (Gymnasium alone {direct_rate:,.0f}, or"
        f" {blind_rate:,.0f} without building views); GIF of {len(images)} frames"
        f" {images[0].size[0]}x{images[0].size[1]} in {gif_s:.2f} s (Pillow alone on those"
        f" frames {pillow_s:.2f} s)"
    )
    return [
        f"{'replay, steps/s (MiniGrid, 500 steps)':<44} {replay_rate:>12,.0f} {direct_rate:>12,.0f}"
        f" {replay_rate / direct_rate:>8.2f}  >= 5,000 steps/s",
        f"{'GIF of a 200-step episode, seconds':<44} {gif_s:>12.2f} {pillow_s:>12.2f}"
        f" {gif_s / pillow_s:>8.1f}  <= 3 s",
    ]
