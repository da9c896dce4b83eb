"""mosaic-multigrid in the env worker: ids, teams and settings from the env itself.

Needs the `multigrid` extra; `.ci/run` installs it in a second venv and runs these files."""

from __future__ import annotations

import json

import pytest

pytest.importorskip(
    "mosaic_multigrid", reason="mosaic-multigrid is not installed: pip install -e '.[multigrid]'"
)

from mosaic_tui.envs import agent_ids, tasks  # noqa: E402

SOCCER = "MosaicMultiGrid-S-2v2-IndAgObs-v1"
AGENTS = ["agent_0", "agent_1", "agent_2", "agent_3"]


def test_tasks_and_players_come_from_the_package() -> None:
    found = tasks("multigrid")
    assert SOCCER in found and "MosaicMultiGrid-BB-2v2-IndAgObs-v1" in found
    assert agent_ids(SOCCER) == AGENTS
    assert agent_ids("MosaicMultiGrid-S-3v3-IndAgObs-v1") == [f"agent_{i}" for i in range(6)]


def test_the_worker_names_teams_and_warns_before_the_slow_first_reset(env_worker) -> None:
    client = env_worker(SOCCER)
    init = client.init
    assert init["stepping"] == "simultaneous" and init["agents"] == AGENTS
    assert init["teams"] == {
        "agent_0": "green",
        "agent_1": "green",
        "agent_2": "blue",
        "agent_3": "blue",
    }
    assert init["action_labels"][:4] == ["noop", "left", "right", "forward"]
    client.send({"cmd": "reset", "seed": 0})
    progress = client.read_type("progress", timeout=60)
    assert "Numba" in progress["message"]
    assert client.read_type("ready", timeout=60)["agents"] == AGENTS


def test_view_size_and_teammates_change_what_agents_see(env_worker) -> None:
    settings = json.dumps({"view_size": 5, "observation_mode": "visible_teammates"})
    client = env_worker(SOCCER, "--env-settings", settings)
    assert client.init["env_settings"] == {"view_size": 5, "observation_mode": "visible_teammates"}
    client.send({"cmd": "reset", "seed": 0, "observe": True})
    ready = client.read_until("ready", timeout=60)[-1]
    view = ready["observation"]["agent_0"]
    assert view["image"]["shape"] == [5, 5, 3]
    assert view["teammates"]["shape"] == [1, 3]  # one teammate: x, y, direction


def test_a_bad_view_size_is_refused_with_the_rule(spawn) -> None:
    client = spawn("env_worker", "--env-id", SOCCER, "--env-settings", '{"view_size": 4}')
    error = client.read_type("error", timeout=60)
    assert error["fatal"] and "view_size = 4" in error["message"] and "odd" in error["message"]


def test_an_llm_player_is_told_the_other_players_by_team() -> None:
    """A MultiGrid view in words: MiniGrid's codes, and the other agents by team colour."""
    import gymnasium as gym
    import numpy as np
    from llm_worker.describe import describe_observation

    task = "MosaicMultiGrid-S-2v2-IndAgObs-v1"
    env = gym.make(task)
    obs, _ = env.reset(seed=6)
    rng = np.random.default_rng(6)
    for _ in range(39):  # random moves until agent 2 sees a teammate and the ball
        obs, *_ = env.step({a: int(rng.integers(0, 7)) for a in obs})
    assert describe_observation(task, obs[2], None, "blue") == [
        "You face east.",
        "Right in front of you: nothing.",
        "You see a blue player of your team 1 step forward and 1 step left; a red ball 2 steps"
        " forward and 1 step right.",
    ]
    seen = describe_observation(task, obs[2], None, "green")  # the same view from the other side
    assert seen is not None and "a blue player of the other team" in seen[2]
