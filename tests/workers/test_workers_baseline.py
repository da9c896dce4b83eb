"""baseline_worker through real subprocesses, and BaselinePolicy in process."""

from __future__ import annotations

import numpy as np
import pytest
from worker_common.policies import BEHAVIORS, BaselinePolicy, NoLegalAction

MINIGRID = "MiniGrid-Empty-8x8-v0"
INIT = {
    "cmd": "init_agent",
    "player_id": "player_1",
    "game": "test",
    "action_space": {"type": "discrete", "n": 6},
}


def select(client, mask=None, **extra) -> dict:
    message = {"cmd": "select_action", **extra}
    if mask is not None:
        message["action_mask"] = mask
    return client.request(message)


def actions(client, n: int, mask=None) -> list[int]:
    out = []
    for _ in range(n):
        event = select(client, mask)
        assert event["type"] == "action_selected", event
        out.append(event["action"])
    return out


# --------------------------------------------------------------------------- lifecycle


def test_init_event_says_decision_worker(baseline) -> None:
    client = baseline("--run-id", "r9")
    init = client.init
    assert (init["worker"], init["role"], init["run_id"]) == ("baseline_worker", "decision", "r9")
    assert init["pid"] == client.proc.pid


def test_commands_before_init_agent_are_not_ready(baseline) -> None:
    client = baseline()
    for message in (
        {"cmd": "select_action", "action_mask": [1, 1], "req": 1},
        {"cmd": "reset", "seed": 3, "req": 2},
    ):
        error = client.request(message, "error")
        assert (error["code"], error["cmd"], error["req"]) == (
            "not_ready",
            message["cmd"],
            message["req"],
        )
        assert "init_agent" in error["message"] and error["fatal"] is False
    assert client.request({"cmd": "ping", "req": 3}) == {"type": "pong", "req": 3}
    ready = client.request(INIT | {"req": 4}, "agent_ready")
    assert ready == {
        "type": "agent_ready",
        "player_id": "player_1",
        "worker": "baseline_worker",
        "req": 4,
    }
    event = select(client, req=5)
    assert event["type"] == "action_selected" and event["player_id"] == "player_1"
    assert event["req"] == 5 and 0 <= event["action"] < 6


def test_reset_answers_ready_with_the_seed(baseline) -> None:
    client = baseline("--run-id", "r2")
    client.request(INIT, "agent_ready")
    ready = client.request({"cmd": "reset", "seed": 12, "req": 3}, "ready")
    assert (ready["seed"], ready["run_id"], ready["req"]) == (12, "r2", 3)


# --------------------------------------------------------------------------- random


def test_seeded_random_is_the_same_across_processes_and_varies_by_seed(baseline) -> None:
    first, second = baseline("--seed", "7"), baseline("--seed", "7")
    for client in (first, second):
        client.request(INIT, "agent_ready")
    sequence = actions(first, 40)
    assert actions(second, 40) == sequence
    assert len(set(sequence)) >= 4  # really random, not a constant
    # init_agent's seed overrides the command line's
    third = baseline("--seed", "1")
    third.request(INIT | {"seed": 7}, "agent_ready")
    assert actions(third, 40) == sequence
    # reset restarts the sequence of its seed; another seed gives another sequence
    first.request({"cmd": "reset", "seed": 7}, "ready")
    assert actions(first, 40) == sequence
    first.request({"cmd": "reset", "seed": 8}, "ready")
    assert actions(first, 40) != sequence


def test_random_respects_the_mask_over_many_draws(baseline) -> None:
    client = baseline("--seed", "3")
    client.request(INIT, "agent_ready")
    mask = [0, 1, 0, 1, 1, 0]
    drawn = actions(client, 200, mask)
    assert set(drawn) == {1, 3, 4}  # only legal ones, and every legal one turns up
    # a single legal action is always chosen
    assert set(actions(client, 20, [0, 0, 0, 0, 0, 1])) == {5}


def test_all_zero_mask_is_no_legal_action_and_the_worker_keeps_serving(baseline) -> None:
    client = baseline()
    client.request(INIT, "agent_ready")
    error = select(client, [0] * 6, req=8)
    assert (error["type"], error["code"], error["req"]) == ("error", "no_legal_action", 8)
    assert "player_1" in error["message"] and error["fatal"] is False
    assert select(client, [0, 0, 1, 0, 0, 0])["action"] == 2


# --------------------------------------------------------------------------- noop and cycling


def test_noop_picks_the_noop_action_or_the_first_legal_one(baseline) -> None:
    client = baseline("--behavior", "noop")
    client.request(INIT | {"action_space": {"n": 7}, "noop_action": 6}, "agent_ready")
    assert actions(client, 5) == [6] * 5
    assert actions(client, 3, [0, 0, 1, 1, 1, 1, 1]) == [6] * 3
    # the noop action masked out: the first legal action, not an illegal noop
    assert actions(client, 3, [0, 0, 1, 1, 1, 1, 0]) == [2] * 3
    # an env without a no-op: the first legal action, and the reason says why
    client.request(INIT | {"action_space": {"n": 4}}, "agent_ready")
    event = select(client)
    assert event["action"] == 0
    assert "no-op" in event["reason"]
    assert select(client, [0, 0, 1, 1])["action"] == 2


def test_cycling_walks_the_legal_actions_in_order(baseline) -> None:
    client = baseline("--behavior", "cycling")
    client.request(INIT | {"action_space": {"n": 5}}, "agent_ready")
    assert actions(client, 7) == [0, 1, 2, 3, 4, 0, 1]
    client.request({"cmd": "reset", "seed": 0}, "ready")  # reset restarts the cycle
    assert actions(client, 6, [1, 0, 1, 1, 0]) == [0, 2, 3, 0, 2, 3]
    # the mask may change between calls: the cycle continues after the last action
    assert actions(client, 1, [1, 1, 1, 1, 1]) == [4]
    assert actions(client, 1, [0, 1, 0, 0, 0]) == [1]


def test_labels_give_the_action_count_when_the_space_has_none(baseline) -> None:
    client = baseline("--behavior", "cycling")
    client.request({"cmd": "init_agent", "labels": ["a", "b", "c"]}, "agent_ready")
    assert actions(client, 4) == [0, 1, 2, 0]


def test_each_action_is_named_in_action_str(baseline) -> None:
    # the reference's workers name their action; its GUI shows the name
    client = baseline("--behavior", "cycling")
    client.request({"cmd": "init_agent", "labels": ["left", "right"]}, "agent_ready")
    assert [select(client)["action_str"] for _ in range(3)] == ["left", "right", "left"]
    moves = {"e2e4": 1, "Pe4": 1, "a2a3": 0}
    assert select(client, moves=moves)["action_str"] == "Pe4"  # the shorter name of action 1
    client.request({"cmd": "init_agent", "action_space": {"n": 2}}, "agent_ready")
    assert select(client)["action_str"] == "0"  # no labels: its number


# --------------------------------------------------------------------------- errors and stop


def test_unknown_and_malformed_commands_get_errors_and_the_worker_keeps_serving(baseline) -> None:
    client = baseline()
    client.request(INIT, "agent_ready")
    error = client.request({"cmd": "step", "req": 3}, "error")  # an env-worker command
    assert (error["code"], error["cmd"], error["req"]) == ("bad_command", "step", 3)
    for line in (b'{"cmd":"dance"}\n', b"{{{\n", b'{"cmd":"select_action","action_mask":"x"}\n'):
        client.send(line)
        assert client.read_type("error")["code"] == "bad_command"
    error = client.request(INIT | {"action_space": {"n": 0}}, "error")  # no actions at all
    assert error["code"] == "bad_command"
    assert client.request({"cmd": "ping", "req": 4}) == {"type": "pong", "req": 4}
    assert select(client)["type"] == "action_selected"  # the earlier init still holds


def test_stop_answers_stopped_and_exits_zero(baseline) -> None:
    client = baseline()
    client.request(INIT, "agent_ready")
    assert client.request({"cmd": "stop", "req": 5}) == {"type": "stopped", "req": 5}
    assert client.wait(10) == 0
    assert client.read_all() == []


def test_closing_stdin_exits_zero(baseline) -> None:
    client = baseline()
    client.close_stdin()
    assert client.wait(5) == 0


@pytest.mark.parametrize("space", [{"n": "six"}, None])
def test_malformed_init_agent_is_an_error_not_a_crash(baseline, space) -> None:
    client = baseline()
    error = client.request({"cmd": "init_agent", "action_space": space, "req": 1}, "error")
    assert error["code"] == "bad_command"
    assert client.request({"cmd": "ping", "req": 2}) == {"type": "pong", "req": 2}


# --------------------------------------------------------------------------- the reference GUI

REFERENCE_ARGS = (
    "--env-name", "minigrid", "--task", "MiniGrid-Empty-8x8-v0", "--telemetry-dir", "/tmp/t",
    "--interactive", "--seed", "7",
)  # fmt: skip


def test_the_reference_guis_command_line_and_init_agent_are_understood(baseline) -> None:
    """reference-dialect.md: its random worker's command line, and an `init_agent` that names
    only the game and the player (no req ids, a boolean mask): the actions come from --task."""
    first, second = baseline(*REFERENCE_ARGS), baseline(*REFERENCE_ARGS)
    init = {"cmd": "init_agent", "game_name": "minigrid", "player_id": "agent"}
    for client in (first, second):
        ready = client.request(init, "agent_ready")
        assert ready["player_id"] == "agent" and "req" not in ready
    ask = {"cmd": "select_action", "observation": [[0, 1]], "info": {"mission": "go"}}
    chosen = [first.request(ask, "action_selected")["action"] for _ in range(30)]
    assert set(chosen) <= set(range(7)) and len(set(chosen)) >= 4  # MiniGrid's 7 actions
    assert [second.request(ask)["action"] for _ in range(30)] == chosen  # seeded by --seed
    mask = [True, False, False, False, False, False, True]
    masked = {first.request(ask | {"action_mask": mask})["action"] for _ in range(20)}
    assert masked == {0, 6}


def test_an_init_agent_without_actions_or_task_names_both_fixes(baseline) -> None:
    client = baseline()
    error = client.request({"cmd": "init_agent", "game_name": "minigrid", "player_id": "agent"})
    assert error["type"] == "error" and error["code"] == "bad_command"
    assert "send them, or start baseline_worker with --task TASK" in error["message"]


# --------------------------------------------------------------------------- same as env_worker


def test_baseline_worker_matches_env_worker_self_driving_for_the_same_seed(spawn, baseline) -> None:
    env = spawn("env_worker", "--env-id", MINIGRID)
    init = env.read_type("init")
    env.request({"cmd": "reset", "seed": 21, "auto_reset": False}, "ready")
    env_actions = []
    for _ in range(25):
        step = env.request({"cmd": "step"}, "step")
        env_actions.append(step["action"])
        if step["terminated"] or step["truncated"]:
            break
    decision = baseline()
    decision.request(
        {
            "cmd": "init_agent",
            "action_space": init["action_space"],
            "labels": init["action_labels"],
            "noop_action": init["noop_action"],
        },
        "agent_ready",
    )
    decision.request({"cmd": "reset", "seed": 21}, "ready")
    assert actions(decision, len(env_actions)) == env_actions
    # and the in-process policy agrees with both
    policy = BaselinePolicy("random", init["action_space"]["n"], init["noop_action"])
    policy.reset(21)
    assert [policy.act() for _ in env_actions] == env_actions


# --------------------------------------------------------------------------- BaselinePolicy


def test_policy_rejects_unknown_behaviour_and_empty_action_space() -> None:
    with pytest.raises(ValueError, match="random"):
        BaselinePolicy("greedy", 4)
    with pytest.raises(ValueError):
        BaselinePolicy("random", 0)


def test_policy_same_seed_same_sequence_and_reset_restarts() -> None:
    a, b = BaselinePolicy("random", 9), BaselinePolicy("random", 9)
    a.reset(5)
    b.reset(5)
    seq = [a.act() for _ in range(50)]
    assert [b.act() for _ in range(50)] == seq
    a.reset(5)
    assert [a.act() for _ in range(50)] == seq
    a.reset(6)
    assert [a.act() for _ in range(50)] != seq
    assert all(0 <= x < 9 for x in seq) and len(set(seq)) > 5


@pytest.mark.parametrize("behavior", BEHAVIORS)
def test_policy_only_ever_plays_legal_actions(behavior) -> None:
    rng = np.random.default_rng(0)
    policy = BaselinePolicy(behavior, 8, noop_action=3)
    policy.reset(0)
    for _ in range(500):
        mask = rng.integers(0, 2, 8)
        if not mask.any():
            mask[rng.integers(8)] = 1
        as_type = [mask, mask.tolist(), mask.astype(bool), mask.astype(np.int8)][_ % 4]
        action = policy.act(as_type)
        assert isinstance(action, int) and mask[action] == 1


def test_policy_ignores_mask_entries_beyond_the_action_count() -> None:
    policy = BaselinePolicy("random", 3)
    policy.reset(0)
    drawn = {policy.act([1, 0, 1, 1, 1]) for _ in range(100)}
    assert drawn == {0, 2}


def test_policy_no_legal_action_raises() -> None:
    for behavior in BEHAVIORS:
        policy = BaselinePolicy(behavior, 3, noop_action=0)
        with pytest.raises(NoLegalAction):
            policy.act([0, 0, 0])


def test_policy_noop_note_only_when_there_is_no_noop() -> None:
    assert BaselinePolicy("noop", 4).note is not None
    assert BaselinePolicy("noop", 4, noop_action=2).note is None
    assert BaselinePolicy("random", 4).note is None
    assert BaselinePolicy("noop", 4, noop_action=2).act() == 2


def test_policy_cycling_wraps_and_skips_masked_actions() -> None:
    policy = BaselinePolicy("cycling", 4)
    assert [policy.act() for _ in range(6)] == [0, 1, 2, 3, 0, 1]
    policy.reset(None)
    assert [policy.act([0, 1, 0, 1]) for _ in range(4)] == [1, 3, 1, 3]
