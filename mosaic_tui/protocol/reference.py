"""The reference platform's worker dialect, as seed 004 documents its interactive mode and as
its GUI reads it (`../shared/reference-dialect.md`): commands keyed by `cmd`, events by `type`,
no request ids, no `init` line, frames as nested RGB lists (`render_payload`).

Our workers speak it when started with `--interactive`, so the reference GUI (or any script
written for it) can drive them. Events are plain dicts here: the dialect has no schema beyond
these shapes, and its readers take any extra field.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, BinaryIO

import numpy as np

COMMANDS = ("reset", "step", "stop", "ping")

# The reference's command lines (seed 004; its GUI's random-worker launch), per worker: flags the
# app never passes, so they are not settings (`worker_settings.py`), declared here once.
FLAGS: dict[str, tuple[tuple[str, dict[str, Any]], ...]] = {
    "env_worker": (
        ("--interactive", {"action": "store_true", "help": "speak the reference platform's"
         " interactive dialect (seed 004) instead of mosaic-tui's protocol: reset/step/stop,"
         " no init line, no request ids"}),
        ("--render-mode", {"choices": ["rgb_array"], "help": "with --interactive: send each"
         " frame as render_payload (RGB lists)"}),
    ),
    "baseline_worker": (
        ("--task", {"help": "the task played: init_agent may then omit action_space"}),
        ("--env-name", {"help": "the task's family (accepted from the reference GUI)"}),
        ("--telemetry-dir", {"help": "accepted from the reference GUI; not written"}),
        ("--interactive", {"action": "store_true", "help": "an action selector (always)"}),
    ),
}  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser, worker: str) -> None:
    """The reference's flags for `worker`'s command line, in their own group."""
    group = parser.add_argument_group("the reference platform's command line")
    for flag, options in FLAGS.get(worker, ()):
        group.add_argument(flag, **options)


def render_payload(frame: Any) -> dict[str, Any] | None:
    """An RGB frame as the reference GUI draws it; None if there is no RGB frame."""
    if frame is None:
        return None
    rgb = np.asarray(frame)
    if rgb.ndim != 3 or rgb.shape[2] < 3:
        return None
    rgb = rgb[:, :, :3].astype(np.uint8, copy=False)
    return {"mode": "rgb", "width": int(rgb.shape[1]), "height": int(rgb.shape[0]),
            "rgb": rgb.tolist()}  # fmt: skip


def ready(
    run_id: str, env_id: str, seed: int | None, episode_index: int, observation_shape: Any
) -> dict[str, Any]:
    return {
        "type": "ready",
        "run_id": run_id,
        "env_id": env_id,
        "seed": seed,
        "observation_shape": observation_shape,
        "step_index": 0,
        "episode_index": episode_index,
        "episode_reward": 0.0,
    }


def step(
    run_id: str,
    step_index: int,
    episode_index: int,
    action: Any,
    reward: float,
    terminated: bool,
    truncated: bool,
    episode_reward: float,
) -> dict[str, Any]:
    """`step_index` counts the steps taken so far (1 after the first), as seed 004 does."""
    return {
        "type": "step",
        "run_id": run_id,
        "step_index": step_index,
        "episode_index": episode_index,
        "action": action,
        "reward": reward,
        "terminated": terminated,
        "truncated": truncated,
        "episode_reward": episode_reward,
    }


def episode_end(
    run_id: str,
    episode_index: int,
    total_reward: float,
    length: int,
    terminated: bool,
    truncated: bool,
) -> dict[str, Any]:
    """Seed 004's names (`total_reward`, `episode_length`) and the reference workers' own
    (`episode_return`, `episode_steps`), so either kind of reader finds its fields."""
    return {
        "type": "episode_end",
        "run_id": run_id,
        "episode_index": episode_index,
        "total_reward": total_reward,
        "episode_length": length,
        "episode_return": total_reward,
        "episode_steps": length,
        "terminated": terminated,
        "truncated": truncated,
    }


def error(message: str) -> dict[str, Any]:
    return {"type": "error", "message": message}


def parse(line: bytes) -> dict[str, Any]:
    """A command line as a dict; ValueError with the reference's wording otherwise."""
    try:
        command = json.loads(line)
    except ValueError as exc:
        raise ValueError(f"Invalid JSON: {exc}") from None
    if not isinstance(command, dict):
        raise ValueError(f"Invalid command: expected a JSON object, got {type(command).__name__}")
    return command


def write(out: BinaryIO, event: dict[str, Any]) -> None:
    """One event, one line, flushed (the reference GUI reads stdout line by line)."""
    out.write(json.dumps(event, separators=(",", ":")).encode() + b"\n")
    out.flush()
