"""The env worker in simultaneous games: every live agent acts in one step.

Rock-paper-scissors (PettingZoo classic, parallel form) and cooperative pong (butterfly) run
everywhere; mosaic-multigrid only where its extra is installed (tests/multigrid)."""

from __future__ import annotations

import pytest


@pytest.fixture
def rps(env_worker):
    return env_worker("rps_v2", "--execution-mode", "parallel")


def test_init_says_simultaneous_and_names_every_agent(rps) -> None:
    assert rps.init["stepping"] == "simultaneous"
    assert rps.init["agents"] == ["player_0", "player_1"]
    assert rps.init["action_space"] == {"type": "discrete", "n": 3}


def test_the_same_game_without_parallel_is_turn_based(env_worker) -> None:
    client = env_worker("rps_v2")
    assert client.init["stepping"] == "sequential"
    ready = client.request({"cmd": "reset", "seed": 0}, "ready")
    assert ready["agent_to_move"] == "player_0"


def test_one_step_takes_every_agents_action_and_pays_each(rps) -> None:
    ready = rps.request({"cmd": "reset", "seed": 1, "auto_reset": False}, "ready")
    assert ready["agents"] == ["player_0", "player_1"]
    # rock (0) vs paper (1): paper wins
    step = rps.request({"cmd": "step", "actions": {"player_0": 0, "player_1": 1}}, "step")
    assert step["actions"] == {"player_0": 0, "player_1": 1}
    assert step["rewards"] == {"player_0": -1.0, "player_1": 1.0}
    assert step["step_index"] == 1 and step["agents"] == ["player_0", "player_1"]


def test_agents_left_out_are_played_by_the_worker_policy(rps) -> None:
    rps.request({"cmd": "reset", "seed": 2, "auto_reset": False}, "ready")
    step = rps.request({"cmd": "step", "actions": {"player_1": 2}}, "step")
    assert step["actions"]["player_1"] == 2
    assert step["actions"]["player_0"] in (0, 1, 2)
    everyone = rps.request({"cmd": "step"}, "step")  # self-driving: all by the policy
    assert set(everyone["actions"]) == {"player_0", "player_1"}


@pytest.mark.parametrize(
    ("step", "code", "words"),
    [
        ({"action": 1}, "bad_command", "simultaneous"),
        ({"actions": {"player_0": 7}}, "illegal_action", "by player_0"),
        ({"actions": {"player_9": 0}}, "unknown_agent", "player_9"),
    ],
)
def test_bad_joint_actions_are_refused_and_nothing_steps(rps, step, code, words) -> None:
    rps.request({"cmd": "reset", "seed": 0, "auto_reset": False}, "ready")
    error = rps.request({"cmd": "step", **step}, "error")
    assert error["code"] == code and words in error["message"]
    after = rps.request({"cmd": "step", "actions": {"player_0": 0, "player_1": 0}}, "step")
    assert after["step_index"] == 1  # the refused step did not count


def test_a_streamed_run_plays_whole_simultaneous_episodes(rps) -> None:
    rps.send({"cmd": "run", "episodes": 2, "seed": 5, "max_steps": 4})
    events = rps.read_until("run_end")
    ends = [e for e in events if e["type"] == "episode_end"]
    assert [e["episode_length"] for e in ends] == [4, 4]
    steps = [e for e in events if e["type"] == "step"]
    assert all(set(s["actions"]) == {"player_0", "player_1"} for s in steps)
    # zero-sum: the players' returns cancel
    assert all(sum(e["rewards"].values()) == 0 for e in ends)


def test_observations_come_per_agent_when_asked(rps) -> None:
    ready = rps.request({"cmd": "reset", "seed": 0, "observe": True}, "ready")
    assert set(ready["observation"]) == {"player_0", "player_1"}


def test_a_butterfly_game_steps_and_draws(env_worker) -> None:
    pong = env_worker("cooperative_pong_v6")
    assert pong.init["stepping"] == "simultaneous"
    assert pong.init["agents"] == ["paddle_0", "paddle_1"]
    ready = pong.request({"cmd": "reset", "seed": 0, "frame": {"width": 48, "height": 28}}, "ready")
    assert ready["frame"]["w"] <= 48 and ready["frame"]["h"] <= 28
    step = pong.request({"cmd": "step", "actions": {"paddle_0": 1, "paddle_1": 2}}, "step")
    assert set(step["rewards"]) == {"paddle_0", "paddle_1"}


def test_a_game_without_a_simultaneous_form_says_so(spawn) -> None:
    client = spawn("env_worker", "--env-id", "tictactoe_v3", "--execution-mode", "parallel")
    error = client.read_type("error")
    assert error["fatal"] and "no simultaneous form" in error["message"]
    assert "execution_mode = 'aec'" in error["message"]
