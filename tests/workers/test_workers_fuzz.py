"""Seeded fuzz of all three workers: valid commands, mutated ones, and the inputs that used to
crash or hang a decision worker. After every line the worker answers (an `error` for the bad
ones) and keeps serving; a final `ping` gets its `pong`."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from llm_worker.mock_server import start as mock_endpoint

from mosaic_tui.protocol.limits import MAX_ACTIONS

LINES = 220  # per worker: a few seconds each

WEIRD: list[Any] = [
    -1,
    -(10**30),
    10**30,
    10**7,
    1.5,
    float("1e308"),
    "x",
    "\ud800",
    "",
    None,
    True,
    [],
    [[1, 0], 1],
    {},
    {"__ndarray__": "!!", "dtype": "|u1", "shape": [3]},
    {"__ndarray__": "AAAA", "dtype": "<f8", "shape": [10**9, 10**9]},
    {"__ndarray__": "AAAA", "dtype": "O", "shape": [1]},
    {"n": "9"},
]


def nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


def init_agent(n: int = 9) -> dict[str, Any]:
    return {
        "cmd": "init_agent",
        "player_id": "player_1",
        "game": "tictactoe_v3",
        "action_space": {"type": "discrete", "n": n},
        "labels": [str(i) for i in range(n)],
    }


DECISION_VALID = [
    init_agent(),
    {"cmd": "reset", "seed": 3},
    {"cmd": "select_action", "action_mask": [1, 0, 1, 1, 0, 0, 0, 1, 1], "step_index": 2},
    {"cmd": "select_action", "observation": {"__ndarray__": "AAAA", "dtype": "|u1", "shape": [4]}},
    {"cmd": "select_action", "board": [" X | O |  "], "moves": {"a1": 0, "b2": 4}},
    {"cmd": "ping"},
]

# the inputs of issue 8 that crashed (or hung) a decision worker; every one is refused
DECISION_BAD = [
    {"cmd": "reset", "seed": -1},
    {"cmd": "init_agent", "seed": -5, "action_space": {"n": 3}},
    {"cmd": "select_action", "action_mask": [[1, 0], 1]},
    {"cmd": "select_action", "action_mask": [1, "x", None]},
    {"cmd": "select_action", "action_mask": [2, 7]},
    {"cmd": "init_agent", "action_space": {"n": MAX_ACTIONS + 1}},
    {"cmd": "init_agent", "action_space": {"n": 10**7}},
    {"cmd": "init_agent", "action_space": {"n": 10**30}},
    {"cmd": "init_agent", "action_space": {"n": "9"}},
    {"cmd": "init_agent", "action_space": {"n": 2.5}},
    {"cmd": "init_agent", "action_space": {"n": 0}},
]
LLM_BAD = [
    {"cmd": "init_agent", "action_space": {"n": 3}, "labels": [1, 2, 3]},
    {"cmd": "init_agent", "action_space": {"n": 2}, "labels": ["ok", "\ud800"]},
    {"cmd": "init_agent", "action_space": {"n": 2}, "game": "\udfff"},
    {"cmd": "select_action", "board": ["fine", 7]},
    {"cmd": "select_action", "board": ["\ud800"]},
    {"cmd": "select_action", "moves": {"e2e4": 10**9}},
    {"cmd": "select_action", "moves": {"\ud800": 1}},
    {"cmd": "select_action", "observation": {"__ndarray__": "!!", "dtype": "|u1", "shape": [3]}},
    {"cmd": "select_action", "observation": {"__ndarray__": "AAAA", "dtype": "<f8", "shape": [9]}},
    {"cmd": "select_action", "observation": {"__ndarray__": 5, "dtype": "|u1", "shape": [1]}},
    {"cmd": "select_action", "observation": nested(500)},
    {"cmd": "init_agent", "action_space": {"n": 2}, "env_settings": {"a": nested(500)}},
]


def mutate(rng: random.Random, command: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(command))
    keys = [k for k in out if k != "cmd"] or ["extra"]
    for _ in range(rng.randint(1, 3)):
        key = rng.choice([*keys, "seed", "action_mask", "req", "n", "labels", "moves"])
        choice = rng.random()
        if choice < 0.15:
            out.pop(key, None)
        elif key == "action_space" or (choice < 0.3 and "action_space" in out):
            out["action_space"] = {"n": rng.choice(WEIRD)}
        else:
            out[key] = rng.choice(WEIRD)
    return out


def lines_for(rng: random.Random, valid: list[dict], bad: list[dict]) -> list[tuple[bytes, bool]]:
    """(line, must_be_refused) pairs; every bad case appears, after an init_agent that works."""
    out: list[tuple[bytes, bool]] = []
    todo = list(bad)
    rng.shuffle(todo)
    for i in range(LINES):
        roll = rng.random()
        if todo and (i % 3 == 2):
            out.append((encode(todo.pop()), True))
            if valid[0]["cmd"] == "init_agent":
                out.append((encode(valid[0]), False))  # back to a usable state
        elif roll < 0.45:
            out.append((encode(rng.choice(valid)), False))
        elif roll < 0.85:
            out.append((encode(mutate(rng, rng.choice(valid))), False))
        elif roll < 0.93:
            text = json.dumps(rng.choice(valid))
            out.append((text[: rng.randrange(1, len(text))].encode() + b"\n", True))
        else:
            junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
            out.append((junk.replace(b"\n", b"") + b"x\n", True))
    assert not todo
    return out


def encode(command: dict[str, Any]) -> bytes:
    return json.dumps(command).encode() + b"\n"


def drive(client, lines: list[tuple[bytes, bool]]) -> None:
    """Send each line, then a ping; the events before its pong are the line's answers."""
    for number, (line, must_fail) in enumerate(lines):
        client.send(line)
        marker = 1_000_000 + number
        client.send({"cmd": "ping", "req": marker})
        answers = []
        while True:
            event = client.read()
            if event["type"] == "pong" and event.get("req") == marker:
                break
            answers.append(event)
        assert answers, f"no answer to line {number}: {line[:200]!r}"
        if must_fail:
            assert any(a["type"] == "error" for a in answers), (line[:200], answers)
        assert client.proc.poll() is None, f"worker died on line {number}: {line[:200]!r}"
    client.send({"cmd": "ping", "req": 7})
    assert client.read_type("pong")["req"] == 7
    client.send({"cmd": "stop", "req": 8})
    assert client.read_type("stopped")["req"] == 8
    assert client.wait() == 0


# the largest action space allowed is served, and promptly (no arange of 10**30, no 2 GB)
AT_THE_LIMIT = [
    (encode(init_agent(MAX_ACTIONS)), False),
    (encode({"cmd": "select_action", "step_index": 1}), False),
    (encode({"cmd": "init_agent", "action_space": {"n": 10**7}}), True),
    (encode({"cmd": "select_action", "step_index": 2}), False),  # the last good init holds
]


def test_fuzz_baseline_worker(baseline) -> None:
    rng = random.Random(8001)
    client = baseline("--behavior", "random")
    drive(client, AT_THE_LIMIT + lines_for(rng, DECISION_VALID, DECISION_BAD))


def test_fuzz_llm_worker(spawn) -> None:
    server, url = mock_endpoint("random", seed=2)
    try:
        client = spawn("llm_worker", "--model", "mock", "--base-url", url, "--timeout", "5")
        client.read_type("init")
        rng = random.Random(8002)
        drive(client, AT_THE_LIMIT + lines_for(rng, DECISION_VALID, DECISION_BAD + LLM_BAD))
    finally:
        server.shutdown()


ENV_VALID = [
    {"cmd": "reset", "seed": 1},
    {"cmd": "reset", "seed": 2, "observe": True, "frame": {"width": 32, "height": 32}},
    {"cmd": "step", "action": 0},
    {"cmd": "step", "action": 1},
    {"cmd": "step"},
    {"cmd": "ping"},
]
ENV_BAD = [
    {"cmd": "step", "action": 99},
    {"cmd": "step", "action": "up"},
    {"cmd": "select_action"},
    {"cmd": "fly"},
]


@pytest.mark.parametrize("task", ["FrozenLake-v1"])
def test_fuzz_env_worker(env_worker, task: str) -> None:
    client = env_worker(task)
    rng = random.Random(8003)
    lines = [(encode({"cmd": "reset", "seed": 0}), False)]
    lines += lines_for(rng, ENV_VALID, ENV_BAD)
    drive(client, lines)
