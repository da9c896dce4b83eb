"""The three decision workers refuse the same bad `select_action` the same way (limits.py): a
mask of the wrong length and an observation nested over MAX_DEPTH are `bad_command`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from llm_worker.mock_server import start as mock_endpoint
from worker_common.trained import save_qtable

from mosaic_tui.protocol import SelectAction, limits

WORKERS = ["baseline_worker", "rl_worker", "llm_worker"]


@pytest.fixture
def decision(spawn, tmp_path: Path):
    """decision(worker) -> a client of that worker, its init_agent for 4 actions answered."""
    servers = []

    def start(worker: str):
        if worker == "rl_worker":
            path = tmp_path / "q.npz"
            save_qtable(path, np.ones((16, 4)), "FrozenLake-v1", "test")
            client = spawn(worker, "--policy-path", str(path))
        elif worker == "llm_worker":
            server, url = mock_endpoint("first")
            servers.append(server)
            client = spawn(worker, "--model", "mock", "--base-url", url, "--timeout", "5")
        else:
            client = spawn(worker)
        client.read_type("init")
        client.request(
            {
                "cmd": "init_agent",
                "player_id": "agent",
                "game": "FrozenLake-v1",
                "action_space": {"type": "discrete", "n": 4},
                "labels": ["left", "down", "right", "up"],
            },
            "agent_ready",
        )
        client.request({"cmd": "reset", "seed": 0}, "ready")
        return client

    yield start
    for server in servers:
        server.shutdown()


def nested(depth: int) -> object:
    value: object = 0
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("worker", WORKERS)
@pytest.mark.parametrize(
    ("mask", "shown"),
    [([1], "has 1 entries"), ([0, 0, 0, 0, 0, 1], "has 6 entries"), ([1] * 5, "has 5 entries")],
    ids=["short", "long-only-out-of-range", "long"],
)
def test_a_mask_of_the_wrong_length_is_bad_command(decision, worker, mask, shown) -> None:
    client = decision(worker)
    error = client.request(
        {"cmd": "select_action", "observation": 0, "action_mask": mask, "req": 9}, "error"
    )
    assert (error["code"], error["req"]) == ("bad_command", 9), error
    assert shown in error["message"] and "4 actions" in error["message"], error
    # the right length is played
    answer = client.request(
        {"cmd": "select_action", "observation": 0, "action_mask": [0, 0, 1, 0]}, "action_selected"
    )
    assert answer["action"] == 2


@pytest.mark.parametrize("worker", WORKERS)
def test_an_observation_nested_over_the_limit_is_bad_command(decision, worker) -> None:
    client = decision(worker)
    too_deep = nested(limits.MAX_DEPTH + 8)  # 40
    error = client.request({"cmd": "select_action", "observation": too_deep}, "error")
    assert error["code"] == "bad_command"
    assert f"nested more than {limits.MAX_DEPTH} deep" in error["message"], error
    assert client.request({"cmd": "ping"}, "pong")


def test_the_shared_check_returns_the_mask_it_accepts() -> None:
    cmd = SelectAction(observation=nested(limits.MAX_DEPTH), action_mask=[True, 0, 1])
    assert limits.select_action(cmd, 3) == [1, 0, 1]
    assert limits.select_action(SelectAction(), 3) is None
    with pytest.raises(limits.BadCommand, match="has 3 entries; this player has 2 actions"):
        limits.select_action(cmd, 2)
