"""`python -m env_worker --interactive`: the reference platform's dialect (seed 004), so its GUI
and the scripts written for it can drive our env worker."""

from __future__ import annotations

import json
import subprocess
import sys

PY = sys.executable


def talk(*args: str, commands: list[object]) -> tuple[list[dict], subprocess.CompletedProcess]:
    """Send every command (dicts as JSON, strings as they are), close stdin, read every line."""
    lines = [c if isinstance(c, str) else json.dumps(c) for c in commands]
    done = subprocess.run(
        [PY, "-m", "env_worker", "--run-id", "test-001", *args],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return [json.loads(line) for line in done.stdout.splitlines()], done


def test_seed_004s_own_interactive_test_passes() -> None:
    """Seed 004's subprocess test, line by line as it is written there."""
    proc = subprocess.Popen(
        [PY, "-m", "env_worker", "--run-id", "test-001", "--env-id", "CartPole-v1",
         "--interactive"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write('{"cmd": "reset", "seed": 42}\n')
        proc.stdin.flush()
        response = json.loads(proc.stdout.readline())  # the first line: no init before it
        assert response["type"] == "ready"
        assert response["seed"] == 42
        proc.stdin.write('{"cmd": "step"}\n')
        proc.stdin.flush()
        response = json.loads(proc.stdout.readline())
        assert response["type"] == "step"
        assert "action" in response
        proc.stdin.write('{"cmd": "stop"}\n')
        proc.stdin.flush()
        response = json.loads(proc.stdout.readline())
        assert response["type"] == "stopped"
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_frames_travel_as_the_reference_gui_draws_them() -> None:
    # BabyAI prints to stdout on reset: the dialect stays on the private copy of stdout
    events, done = talk(
        "--env-id", "BabyAI-GoToRedBall-v0", "--interactive", "--render-mode", "rgb_array",
        commands=[{"cmd": "reset", "seed": 3}, {"cmd": "step", "action": 1}, {"cmd": "stop"}],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert [e["type"] for e in events] == ["ready", "step", "stopped"]
    for event in events[:2]:
        frame = event["render_payload"]
        assert frame["mode"] == "rgb" and frame["width"] > 0 and frame["height"] > 0
        assert len(frame["rgb"]) == frame["height"] and len(frame["rgb"][0]) == frame["width"]
        assert all(0 <= c <= 255 for c in frame["rgb"][0][0]) and len(frame["rgb"][0][0]) == 3
    assert events[1]["action"] == 1 and events[1]["step_index"] == 1  # seed 004 counts from 1
    assert "render_payload" not in events[2]


def test_an_episode_ends_resets_itself_and_repeats_with_its_seed() -> None:
    run = [{"cmd": "reset", "seed": 5}] + [{"cmd": "step"}] * 40 + [{"cmd": "stop"}]
    first, done = talk("--env-id", "FrozenLake-v1", "--interactive", commands=run)
    second, _ = talk("--env-id", "FrozenLake-v1", "--interactive", commands=run)
    assert done.returncode == 0, done.stderr[-2000:]
    assert first == second  # the worker's own actions are seeded by the reset
    ends = [i for i, e in enumerate(first) if e["type"] == "episode_end"]
    assert ends, "40 random steps on FrozenLake end at least one episode"
    end, last_step = first[ends[0]], first[ends[0] - 1]
    assert last_step["type"] == "step" and (last_step["terminated"] or last_step["truncated"])
    assert end["total_reward"] == end["episode_return"] == last_step["episode_reward"]
    assert end["episode_length"] == end["episode_steps"] == last_step["step_index"]
    after = first[ends[0] + 1]  # auto-reset, silently: the next line is the next step
    assert (after["type"], after["step_index"], after["episode_index"]) == ("step", 1, 1)
    assert sum(e["type"] == "ready" for e in first) == 1


def test_max_steps_ends_an_episode_as_truncated() -> None:
    events, _ = talk(
        "--env-id", "CartPole-v1", "--interactive", "--max-steps", "3",
        commands=[{"cmd": "reset", "seed": 1}, *[{"cmd": "step", "action": 0}] * 3],
    )  # fmt: skip
    assert [e["type"] for e in events] == ["ready", "step", "step", "step", "episode_end"]
    assert events[-1]["truncated"] is True and events[-1]["episode_length"] == 3
    # the reference GUI sends max_steps with every reset (its operator_launcher.send_reset)
    events, _ = talk(
        "--env-id", "CartPole-v1", "--interactive",
        commands=[{"cmd": "reset", "seed": 1, "max_steps": 2}, *[{"cmd": "step", "action": 0}] * 2,
                  {"cmd": "reset", "seed": 1, "max_steps": 0}],
    )  # fmt: skip
    assert [e["type"] for e in events] == ["ready", "step", "step", "episode_end", "error"]
    assert events[-1]["message"] == "Reset failed: max_steps must be a whole number >= 1, not 0"


def test_bad_lines_are_answered_in_the_dialects_words_and_the_worker_serves_on() -> None:
    events, done = talk(
        "--env-id", "CartPole-v1", "--interactive",
        commands=[
            {"cmd": "step"},
            "this is not json",
            [1, 2],
            {"cmd": "bogus"},
            {"cmd": "reset", "seed": "seven"},
            {"cmd": "reset", "seed": 7},
            {"cmd": "step", "action": 9},
            {"cmd": "ping"},
            {"cmd": "step", "action": 1},
        ],
    )  # fmt: skip
    messages = [e.get("message", e["type"]) for e in events]
    assert messages[0] == "Step failed: send reset first"
    assert messages[1].startswith("Invalid JSON:")
    assert messages[2] == "Invalid command: expected a JSON object, got list"
    assert messages[3] == "Unknown command: bogus"
    assert messages[4] == "Reset failed: seed must be an integer, not 'seven'"
    assert messages[5:] == [
        "ready", "Step failed: 9 is not an action of CartPole-v1", "pong", "step"
    ]  # fmt: skip
    assert done.returncode == 0  # stdin closed: the worker ends


def test_a_multi_agent_game_is_refused_with_what_to_do_instead() -> None:
    events, done = talk("--env-id", "tictactoe_v3", "--interactive", commands=[])
    assert done.returncode == 2
    assert events[0]["type"] == "error"
    assert "multi-agent game" in events[0]["message"]
    assert "without --interactive" in events[0]["message"]
