"""A replay with no frames skips MiniGrid's views: rewards and endings must not change."""

from __future__ import annotations

import gymnasium as gym
import minigrid  # noqa: F401
import numpy as np
import pytest
from env_worker.unobserved import unobserved

TASKS = ["MiniGrid-Empty-5x5-v0", "MiniGrid-DoorKey-5x5-v0", "MiniGrid-Dynamic-Obstacles-5x5-v0",
         "MiniGrid-Fetch-5x5-N2-v0", "BabyAI-GoToRedBallGrey-v0"]  # fmt: skip


def trajectory(task: str, seed: int, actions: list[int], blind: bool) -> list[tuple]:
    env = gym.make(task, max_steps=len(actions))
    env.reset(seed=seed)
    out = []
    with unobserved(env) if blind else _nothing():
        for a in actions:
            _, reward, terminated, truncated, _ = env.step(a)
            out.append((round(float(reward), 6), terminated, truncated))
            if terminated or truncated:
                break
    return out


class _nothing:
    def __enter__(self) -> None: ...
    def __exit__(self, *exc: object) -> None: ...


@pytest.mark.parametrize("task", TASKS)
def test_stepping_unobserved_gives_the_same_rewards_and_endings(task: str) -> None:
    rng = np.random.default_rng(0)
    ended = 0
    for seed in range(12):
        actions = [int(a) for a in rng.integers(0, 6, 60)]
        seen = trajectory(task, seed, actions, blind=False)
        assert trajectory(task, seed, actions, blind=True) == seen
        ended += seen[-1][1]
    if task != "MiniGrid-DoorKey-5x5-v0":  # random moves rarely open its door
        assert ended, f"no episode of {task} ended by itself: the comparison says little"


def test_the_view_is_built_again_afterwards() -> None:
    env = gym.make("MiniGrid-Empty-5x5-v0")
    env.reset(seed=1)
    with unobserved(env) as skipped:
        assert skipped
        stale = env.step(2)[0]  # forward
        again = env.step(1)[0]  # turned right: the same view handed back, a copy of it
        assert again["direction"] == stale["direction"] and again is not stale
        assert np.array_equal(again["image"], stale["image"])
    assert "gen_obs" not in vars(env.unwrapped)
    turned = env.step(1)[0]
    assert turned["direction"] != stale["direction"]


def test_envs_without_views_step_as_always() -> None:
    env = gym.make("FrozenLake-v1")
    env.reset(seed=1)
    with unobserved(env) as skipped:
        assert not skipped
        assert env.step(1)[0] in range(16)
