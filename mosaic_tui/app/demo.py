"""The built-in demo: alive at once, no network, no keys."""

from __future__ import annotations

from mosaic_tui.core import OperatorConfig


def demo_operators() -> list[OperatorConfig]:
    """Two baselines side by side on MiniGrid; add a Human operator with `a` to play."""
    return [
        OperatorConfig.single_agent(
            "op_0",
            "Random on Empty 8x8",
            "baseline_worker",
            "baseline",
            env_name="minigrid",
            task="MiniGrid-Empty-8x8-v0",
            settings={"behavior": "random"},
            max_steps=100,
        ),
        OperatorConfig.single_agent(
            "op_1",
            "Cycling on DoorKey 5x5",
            "baseline_worker",
            "baseline",
            env_name="minigrid",
            task="MiniGrid-DoorKey-5x5-v0",
            settings={"behavior": "cycling"},
            max_steps=100,
        ),
    ]
