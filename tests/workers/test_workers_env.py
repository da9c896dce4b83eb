"""env_worker end to end, through real subprocesses speaking the JSON-lines protocol."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import gymnasium
import numpy as np
import pytest

from mosaic_tui.protocol import PROTOCOL_VERSION, Frame, decode_event, fit_size, unpack

MINIGRID = "MiniGrid-Empty-8x8-v0"


def drive(client, n: int, **step) -> list[dict]:
    """Up to n steps (self-driving unless an action is given); stops at the episode's end."""
    steps = []
    for _ in range(n):
        client.send({"cmd": "step", **step})
        event = client.read_type("step")
        steps.append(event)
        if event["terminated"] or event["truncated"]:
            client.read_type("episode_end")
            break
    return steps


def frame_of(event: dict) -> Frame:
    return decode_event(json.dumps(event)).frame


# --------------------------------------------------------------------------- hello


def test_init_event_describes_a_minigrid_task(env_worker) -> None:
    client = env_worker(MINIGRID, "--run-id", "run-7", "--max-steps", "40")
    init = client.init
    assert init["protocol"] == PROTOCOL_VERSION
    assert (init["worker"], init["role"]) == ("env_worker", "env")
    assert (init["run_id"], init["env_id"]) == ("run-7", MINIGRID)
    assert init["pid"] == client.proc.pid
    assert init["agents"] == ["agent"]
    labels = init["action_labels"]
    # MiniGrid's Actions enum: left, right, forward, pickup, drop, toggle, done
    assert labels[:3] == ["left", "right", "forward"]
    assert "done" in labels
    assert init["action_space"] == {"type": "discrete", "n": len(labels)}
    assert init["noop_action"] == labels.index("done")
    assert init["max_steps"] == 40


def test_init_of_a_task_without_noop_reports_none_and_the_spec_step_limit(env_worker) -> None:
    client = env_worker("CartPole-v1")
    assert client.init["action_labels"] == ["push left", "push right"]
    assert "noop_action" not in client.init  # CartPole has no action that does nothing
    assert client.init["max_steps"] == gymnasium.spec("CartPole-v1").max_episode_steps


# --------------------------------------------------------------------------- determinism


def _episode(client, seed: int, n: int = 30) -> list:
    ready = client.request(
        {"cmd": "reset", "seed": seed, "auto_reset": False, "frame": {"width": 80, "height": 48}},
        "ready",
    )
    assert ready["seed"] == seed
    steps = drive(client, n)
    return [ready["frame"]["data"]] + [
        (s["action"], s["reward"], s["frame"]["data"]) for s in steps
    ]


def test_seeded_self_driving_is_deterministic(env_worker) -> None:
    client = env_worker(MINIGRID)
    first = _episode(client, 42)
    assert len(first) > 10
    assert _episode(client, 42) == first  # same process, same seed
    other = env_worker(MINIGRID)
    assert _episode(other, 42) == first  # another process, same seed
    different = _episode(client, 43)
    actions = [a for a, _, _ in first[1:]]
    assert [a for a, _, _ in different[1:]] != actions
    # the random baseline really varies its actions
    assert len(set(actions)) >= 4
    # ... and the frames follow the actions: some step changed the picture
    assert len({f for _, _, f in first[1:]}) > 1


# --------------------------------------------------------------------------- episode ends


def test_max_steps_truncates_then_auto_reset_rolls_to_the_next_seed(env_worker) -> None:
    client = env_worker(MINIGRID, "--policy", "noop")
    done = client.init["noop_action"]
    ready = client.request({"cmd": "reset", "seed": 3, "max_steps": 5, "req": 1}, "ready")
    assert (ready["seed"], ready["episode"], ready["max_steps"], ready["req"]) == (3, 0, 5, 1)
    for t in range(1, 5):
        step = client.request({"cmd": "step", "req": 10 + t}, "step")
        assert (step["step_index"], step["action"], step["req"]) == (t, done, 10 + t)
        assert not step["truncated"] and not step["terminated"]
    client.send({"cmd": "step", "req": 99})
    step = client.read_type("step")
    assert step["step_index"] == 5 and step["truncated"] is True and step["terminated"] is False
    end = client.read_type("episode_end")
    assert end == {
        "type": "episode_end",
        "episode": 0,
        "seed": 3,
        "total_reward": 0.0,
        "episode_length": 5,
        "terminated": False,
        "truncated": True,
        "req": 99,
    }
    ready = client.read_type("ready")
    assert (ready["seed"], ready["episode"], ready["max_steps"], ready["req"]) == (4, 1, 5, 99)
    # the new episode steps from 1 again
    step = client.request({"cmd": "step"}, "step")
    assert (step["step_index"], step["episode"]) == (1, 1)


def test_without_auto_reset_a_step_after_the_end_is_refused(env_worker) -> None:
    client = env_worker(MINIGRID, "--max-steps", "2")
    error = client.request({"cmd": "step", "req": 1}, "error")  # no reset yet
    assert error["code"] == "not_reset" and error["req"] == 1
    ready = client.request({"cmd": "reset", "seed": 0, "auto_reset": False}, "ready")
    assert ready["max_steps"] == 2  # the command-line limit applies
    steps = drive(client, 10)
    assert [s["step_index"] for s in steps] == [1, 2] and steps[-1]["truncated"]
    error = client.request({"cmd": "step", "req": 9}, "error")  # no ready came in between
    assert (error["code"], error["cmd"], error["req"]) == ("not_reset", "step", 9)
    assert error["fatal"] is False
    assert "reset" in error["message"]
    ready = client.request({"cmd": "reset", "seed": 5, "max_steps": 3}, "ready")
    assert (ready["episode"], ready["max_steps"]) == (1, 3)  # the reset's limit wins


# --------------------------------------------------------------------------- driven steps


def test_driven_step_applies_the_given_action(env_worker) -> None:
    client = env_worker(MINIGRID)
    labels = client.init["action_labels"]
    left, right = labels.index("left"), labels.index("right")
    ready = client.request({"cmd": "reset", "seed": 0, "observe": True}, "ready")
    obs = unpack(ready["observation"])
    assert obs["image"].shape == (7, 7, 3)
    direction = obs["direction"]
    step = client.request({"cmd": "step", "action": left}, "step")
    assert step["action"] == left
    assert unpack(step["observation"])["direction"] == (direction - 1) % 4
    client.request({"cmd": "step", "action": right}, "step")
    step = client.request({"cmd": "step", "actions": {"agent": right}}, "step")
    assert step["action"] == right
    assert unpack(step["observation"])["direction"] == (direction + 1) % 4


@pytest.mark.parametrize("bad", [7, -1, 100, "left", 1.5, True, [2]])
def test_illegal_action_is_refused_and_the_worker_keeps_serving(env_worker, bad) -> None:
    client = env_worker(MINIGRID)
    client.request({"cmd": "reset", "seed": 1}, "ready")
    error = client.request({"cmd": "step", "action": bad, "req": 5}, "error")
    assert (error["code"], error["cmd"], error["req"]) == ("illegal_action", "step", 5)
    assert error["fatal"] is False
    assert repr(bad) in error["message"]  # it names the refused action
    assert client.request({"cmd": "ping", "req": 6}, "pong") == {"type": "pong", "req": 6}
    # the refused action did not advance the episode
    step = client.request({"cmd": "step", "action": 2}, "step")
    assert (step["step_index"], step["action"]) == (1, 2)


def test_malformed_and_unknown_commands_get_bad_command(env_worker) -> None:
    client = env_worker(MINIGRID)
    for line in (
        b"not json\n",
        b"[1,2]\n",
        b'{"cmd":"fly"}\n',
        b'{"cmd":"reset","seed":"x"}\n',
        b'{"type":"ready"}\n',
    ):
        client.send(line)
        error = client.read_type("error")
        assert error["code"] == "bad_command", error
        assert error["fatal"] is False
    # a command meant for decision workers
    error = client.request({"cmd": "select_action", "req": 4}, "error")
    assert (error["code"], error["cmd"], error["req"]) == ("bad_command", "select_action", 4)
    assert client.request({"cmd": "ping", "req": 1}, "pong")["req"] == 1
    assert client.request({"cmd": "reset", "seed": 0}, "ready")["seed"] == 0


# --------------------------------------------------------------------------- run


def _split_run(events: list[dict]) -> list[dict]:
    """Group a run's events into episodes: {ready, steps, end}."""
    episodes = []
    for event in events:
        if event["type"] == "ready":
            episodes.append({"ready": event, "steps": [], "end": None})
        elif event["type"] == "step":
            episodes[-1]["steps"].append(event)
        elif event["type"] == "episode_end":
            episodes[-1]["end"] = event
    return episodes


def test_run_streams_episodes_with_the_given_seeds(env_worker) -> None:
    client = env_worker(MINIGRID)
    client.send({"cmd": "run", "episodes": 3, "seeds": [5, 9, 2], "max_steps": 4, "req": 7})
    events = client.read_until("run_end")
    assert all(e["req"] == 7 for e in events)
    assert events[-1] == {
        "type": "run_end",
        "episodes": 3,
        "steps": 12,
        "interrupted": False,
        "req": 7,
    }
    episodes = _split_run(events)
    assert [e["ready"]["seed"] for e in episodes] == [5, 9, 2]
    assert [e["end"]["seed"] for e in episodes] == [5, 9, 2]
    indices = [e["ready"]["episode"] for e in episodes]
    assert indices == sorted(set(indices))
    for episode in episodes:
        assert [s["step_index"] for s in episode["steps"]] == [1, 2, 3, 4]
        assert episode["steps"][-1]["truncated"] and episode["end"]["episode_length"] == 4
        assert all("frame" not in s for s in episode["steps"])  # no frame was asked for
    # a run's episode acts exactly like a reset with the same seed
    client.request({"cmd": "reset", "seed": 9, "auto_reset": False}, "ready")
    assert [s["action"] for s in drive(client, 4)] == [s["action"] for s in episodes[1]["steps"]]
    # `seed` instead of `seeds` counts up from it
    client.send({"cmd": "run", "episodes": 2, "seed": 10, "max_steps": 1})
    seeds = [e["ready"]["seed"] for e in _split_run(client.read_until("run_end"))]
    assert seeds == [10, 11]


def test_bad_run_commands_are_refused(env_worker) -> None:
    client = env_worker(MINIGRID)
    error = client.request({"cmd": "run", "episodes": 0, "req": 1}, "error")
    assert (error["code"], error["req"]) == ("bad_command", 1)
    error = client.request({"cmd": "run", "episodes": 3, "seeds": [1, 2]}, "error")
    assert error["code"] == "bad_command" and "seeds" in error["message"]
    assert client.request({"cmd": "ping"}, "pong")


def test_stop_during_a_long_run_interrupts_it(env_worker) -> None:
    client = env_worker(MINIGRID, "--policy", "noop")
    client.send({"cmd": "run", "episodes": 100_000, "req": 3})
    first = client.read_until("step")
    client.send({"cmd": "ping", "req": 4})
    client.send({"cmd": "step", "req": 5})  # not now: the worker is busy
    client.send({"cmd": "stop", "req": 6})
    events = first + client.read_until("run_end")
    run_end = events[-1]
    assert run_end["interrupted"] is True and run_end["req"] == 3
    assert run_end["episodes"] < 100_000
    assert run_end["steps"] == sum(e["type"] == "step" for e in events)
    assert {"type": "pong", "req": 4} in events
    busy = [e for e in events if e["type"] == "error"]
    assert [(e["code"], e["req"]) for e in busy] == [("busy", 5)]
    assert client.read() == {"type": "stopped", "req": 6}
    assert client.wait(10) == 0


def test_stop_answers_stopped_and_exits_zero_while_stdin_is_open(env_worker) -> None:
    # The app keeps its end of stdin open while it waits for the exit. (At commit 7b51bed the
    # worker aborted here with SIGABRT, exit -6: its daemon reader thread held sys.stdin's
    # buffer lock at interpreter shutdown.)
    client = env_worker(MINIGRID)
    assert client.request({"cmd": "stop", "req": 2}) == {"type": "stopped", "req": 2}
    assert client.wait(10) == 0
    assert client.read_all() == []  # nothing after `stopped`


def test_closing_stdin_makes_the_worker_exit_zero(env_worker) -> None:
    client = env_worker(MINIGRID)
    client.request({"cmd": "reset", "seed": 0}, "ready")
    client.close_stdin()
    assert client.wait(5) == 0
    assert client.read_all() == []  # nothing more was written


def test_closing_stdin_during_a_run_exits_zero(env_worker) -> None:
    client = env_worker(MINIGRID, "--policy", "noop")
    client.send({"cmd": "run", "episodes": 100_000})
    client.read_until("step")
    client.close_stdin()
    events = client.read_all()
    assert events[-1]["type"] == "run_end" and events[-1]["interrupted"] is True
    assert client.wait(5) == 0


def test_deeply_nested_line_gets_bad_command_and_the_worker_keeps_serving(env_worker) -> None:
    client = env_worker(MINIGRID)
    client.send(b"[" * 100_000 + b"\n")
    assert client.read(timeout=3)["type"] == "error"
    assert client.request({"cmd": "ping", "req": 1})["type"] == "pong"


# --------------------------------------------------------------------------- creation


def test_unknown_env_id_is_a_fatal_bad_env_naming_close_matches(spawn) -> None:
    client = spawn("env_worker", "--env-id", "MiniGrid-Empty-8x8")
    error = client.read_type("error")
    assert error["fatal"] is True and error["code"] == "bad_env"
    assert "MiniGrid-Empty-8x8-v0" in error["message"]  # the close match
    assert client.wait(10) == 2
    assert client.read_all() == []


def test_env_settings_reach_gymnasium_make(env_worker) -> None:
    # FrozenLake: state = row * ncol + col. Moving down from the start (state 0) lands on
    # state ncol: 8 on the 8x8 map, 4 on the default 4x4 map. Not slippery, so no luck involved.
    for settings, ncol in (
        ({"map_name": "8x8", "is_slippery": False}, 8),
        ({"is_slippery": False}, 4),
    ):
        client = env_worker("FrozenLake-v1", "--env-settings", json.dumps(settings))
        down, right = client.init["action_labels"].index("down"), 2
        assert client.init["action_labels"][right] == "right"
        ready = client.request({"cmd": "reset", "seed": 0, "observe": True}, "ready")
        assert ready["observation"] == 0
        step = client.request({"cmd": "step", "action": down}, "step")
        assert step["observation"] == ncol
        step = client.request({"cmd": "step", "action": right}, "step")
        assert step["observation"] == ncol + 1


def test_unknown_env_setting_is_a_clear_fatal_error(spawn) -> None:
    client = spawn(
        "env_worker", "--env-id", "FrozenLake-v1", "--env-settings", '{"bogus_setting": 3}'
    )
    error = client.read_type("error")
    assert error["fatal"] is True and error["code"] == "bad_env"
    assert "bogus_setting" in error["message"] and "FrozenLake-v1" in error["message"]
    assert client.wait(10) == 2


def test_stray_prints_from_the_env_do_not_corrupt_the_protocol(spawn) -> None:
    script = textwrap.dedent("""
        import os, sys
        from gymnasium.envs.toy_text import frozen_lake

        original_reset = frozen_lake.FrozenLakeEnv.reset
        original_step = frozen_lake.FrozenLakeEnv.step

        def noisy_reset(self, *args, **kwargs):
            print("stray print from reset")
            sys.stdout.flush()
            os.write(1, b"raw stray from reset\\n")
            return original_reset(self, *args, **kwargs)

        def noisy_step(self, *args, **kwargs):
            print("stray print from step", flush=True)
            os.write(1, b"{\\"type\\": \\"fake\\"}\\n")
            return original_step(self, *args, **kwargs)

        frozen_lake.FrozenLakeEnv.reset = noisy_reset
        frozen_lake.FrozenLakeEnv.step = noisy_step
        from env_worker.cli import main
        sys.exit(main(["--run-id", "noisy", "--env-id", "FrozenLake-v1", "--frame-size", "32x32"]))
    """)
    client = spawn("-c", script)
    client.send({"cmd": "reset", "seed": 1, "req": 1})
    for i in range(3):
        client.send({"cmd": "step", "action": 2, "req": 2 + i})
    client.send({"cmd": "stop", "req": 9})
    events = client.read_all()  # read() decodes every line: any stray one fails here
    types = [e["type"] for e in events]
    assert types[:3] == ["init", "ready", "step"]
    assert types[-1] == "stopped"
    assert types.count("step") + types.count("ready") >= 4
    assert all(line.startswith(b'{"type":') for line in client.raw)
    assert client.wait(10) == 0
    err = client.stderr
    assert "stray print from reset" in err and "raw stray from reset" in err
    assert "stray print from step" in err and '{"type": "fake"}' in err


# --------------------------------------------------------------------------- masks and frames


def test_self_driving_random_policy_respects_taxi_action_masks(env_worker) -> None:
    client = env_worker("Taxi-v4")
    n = client.init["action_space"]["n"]
    ready = client.request({"cmd": "reset", "seed": 0, "auto_reset": False}, "ready")
    mask = ready["action_mask"]
    assert len(mask) == n
    restricted = 0
    for _ in range(80):
        client.send({"cmd": "step"})
        step = client.read_type("step")
        assert mask[step["action"]] == 1, (step["action"], mask)
        restricted += 0 in mask
        mask = step["action_mask"]
        if step["terminated"] or step["truncated"]:
            break
    assert restricted > 10  # the masks really ruled actions out
    # a driven action the mask forbids is refused
    forbidden = mask.index(0)
    error = client.request({"cmd": "step", "action": forbidden}, "error")
    assert error["code"] == "illegal_action"


def test_frames_are_fitted_to_the_requested_box_with_aspect_kept(env_worker) -> None:
    client = env_worker("CartPole-v1", "--frame-size", "80x48")
    ready = client.request({"cmd": "reset", "seed": 0}, "ready")
    assert (ready["frame"]["w"], ready["frame"]["h"], ready["frame"]["enc"]) == (72, 48, "zlib")
    assert (72, 48) == fit_size(600, 400, 80, 48)  # CartPole renders 600x400
    frame = frame_of(ready)
    assert len(frame.data) == 72 * 48 * 3
    step = client.request({"cmd": "step"}, "step")
    assert (step["frame"]["w"], step["frame"]["h"]) == (72, 48)
    # a step may ask for another box; it sticks for later steps
    step = client.request({"cmd": "step", "frame": {"width": 30, "height": 30}}, "step")
    assert (step["frame"]["w"], step["frame"]["h"]) == (30, 20)
    step = client.request({"cmd": "step"}, "step")
    assert (step["frame"]["w"], step["frame"]["h"]) == (30, 20)
    # a box larger than the render is not upscaled
    ready = client.request(
        {"cmd": "reset", "seed": 0, "frame": {"width": 2000, "height": 2000}}, "ready"
    )
    assert (ready["frame"]["w"], ready["frame"]["h"]) == (600, 400)


def test_frame_encodings_carry_the_same_pixels(env_worker) -> None:
    client = env_worker(MINIGRID)
    pixels = {}
    for encoding in ("zlib", "png", "raw"):
        ready = client.request(
            {"cmd": "reset", "seed": 3, "frame": {"width": 64, "height": 64, "encoding": encoding}},
            "ready",
        )
        assert ready["frame"]["enc"] == encoding
        pixels[encoding] = frame_of(ready).data
    assert pixels["zlib"] == pixels["png"] == pixels["raw"]
    assert len(set(pixels["zlib"])) > 2  # a real picture, not a blank


def test_frame_encoding_option_is_honoured(env_worker) -> None:
    client = env_worker(MINIGRID, "--frame-size", "64x64", "--frame-encoding", "png")
    assert client.request({"cmd": "reset", "seed": 3}, "ready")["frame"]["enc"] == "png"


def test_actions_for_an_unknown_agent_are_refused_not_self_driven(env_worker) -> None:
    client = env_worker(MINIGRID)
    client.request({"cmd": "reset", "seed": 1}, "ready")
    error = client.request({"cmd": "step", "actions": {"player_0": 1}, "req": 3}, "error")
    assert error["code"] == "unknown_agent" and "player_0" in error["message"]
    step = client.request({"cmd": "step", "actions": {"agent": 1}}, "step")
    assert (step["step_index"], step["action"]) == (1, 1)


def test_turn_based_env_names_the_mover_and_refuses_wrong_turns(env_worker) -> None:
    client = env_worker("tictactoe_v3")
    assert client.init["agents"] == ["player_1", "player_2"]
    ready = client.request({"cmd": "reset", "seed": 1, "auto_reset": False}, "ready")
    assert ready["agent_to_move"] == "player_1" and ready["action_mask"] == [1] * 9
    step = client.request({"cmd": "step", "action": 4}, "step")
    assert step["agent"] == "player_1" and step["agent_to_move"] == "player_2"
    assert step["action_mask"][4] == 0
    error = client.request({"cmd": "step", "action": 4}, "error")
    assert error["code"] == "illegal_action" and "player_2" in error["message"]
    error = client.request({"cmd": "step", "actions": {"player_1": 0}}, "error")
    assert error["code"] == "not_your_turn"
    step = client.request({"cmd": "step", "actions": {"player_2": 0}}, "step")
    assert step["agent"] == "player_2"


def test_board_games_send_text_boards_and_chess_names_its_moves(env_worker) -> None:
    shown = {"width": 40, "height": 40}  # boards come with frames (for eyes), not headless
    client = env_worker("tictactoe_v3")
    bare = client.request({"cmd": "reset", "seed": 1, "auto_reset": False}, "ready")
    assert "board" not in bare and "moves" not in bare
    ready = client.request(
        {"cmd": "reset", "seed": 1, "auto_reset": False, "frame": shown}, "ready"
    )
    assert ready["board"] == ["1 2 3", "4 5 6", "7 8 9"]  # empty cells show their key
    # keypad numbers, row by row; PettingZoo's actions go by column (column * 3 + row)
    cells = {"1": 0, "2": 3, "3": 6, "4": 1, "5": 4, "6": 7, "7": 2, "8": 5, "9": 8}
    assert ready["moves"] == cells
    step = client.request({"cmd": "step", "action": 3}, "step")  # top row, middle
    assert step["board"] == ["1 X 3", "4 5 6", "7 8 9"]
    assert "2" not in step["moves"] and step["moves"]["5"] == 4
    chess = env_worker("chess_v6")
    ready = chess.request({"cmd": "reset", "seed": 1, "auto_reset": False, "frame": shown}, "ready")
    assert ready["board"][0].startswith("8 ♜ ♞ ♝")
    assert (
        "action_mask" not in ready and len(ready["legal_actions"]) == 20
    )  # 4,672 actions and ready["board"][-1].endswith("g h")
    moves = ready["moves"]
    assert len({a for a in moves.values()}) == 20  # the 20 legal first moves
    assert moves["e2e4"] == moves["e4"] and moves["g1f3"] == moves["Nf3"]
    step = chess.request({"cmd": "step", "action": moves["e4"]}, "step")
    assert step["agent"] == "player_0" and "♙" in step["board"][4]  # rank 4 has the pawn
    assert "e7e5" in step["moves"]  # black's replies


def test_go_is_played_by_points(env_worker) -> None:
    client = env_worker("go_v5", "--env-settings", '{"board_size": 9}')
    shown = {"width": 40, "height": 40}
    ready = client.request(
        {"cmd": "reset", "seed": 1, "auto_reset": False, "frame": shown}, "ready"
    )
    moves = ready["moves"]
    assert len(moves) == 82 and "pass" in moves and "J9" in moves and "I9" not in moves
    assert ready["board"][-1].split() == list("ABCDEFGHJ")
    step = client.request({"cmd": "step", "action": moves["D4"]}, "step")
    row = step["board"][9 - 4]  # the line for row 4
    assert row.split()[0] == "4" and row.split()[1 + 3] == "●"  # black stone on D4
    assert "D4" not in step["moves"]


POLICIES = Path(__file__).resolve().parents[2] / "examples" / "policies"


@pytest.mark.parametrize(
    ("task", "policy", "says"),
    [
        ("tictactoe_v3", "tictactoe_ppo.npz", "--policy-path plays one player; tictactoe_v3 has 2"),
        ("FrozenLake-v1", "cartpole_mlp.npz", "cartpole_mlp.npz has 2 actions; this env has 4"),
        ("FrozenLake-v1", "missing.npz", "no policy file"),
        # a Q-table for another grid: refused at start, not at the first state past its end
        # (FrozenLake's on CliffWalking), nor played on silently (CliffWalking's on FrozenLake)
        ("CliffWalking-v1", "frozenlake_qtable.npz",
         "frozenlake_qtable.npz is a Q-table over 16 states (trained on FrozenLake-v1); this env"
         " has 48"),
        ("FrozenLake-v1", "cliffwalking_qtable.npz", "Q-table over 48 states"),
    ],
)  # fmt: skip
def test_a_trained_policy_that_cannot_play_here_is_a_clear_fatal_error(
    spawn, task: str, policy: str, says: str
) -> None:
    client = spawn("env_worker", "--env-id", task, "--policy-path", str(POLICIES / policy))
    error = client.read_type("error")
    assert error["fatal"] is True and says in error["message"]
    assert client.wait(10) == 2


def test_a_trained_policy_plays_self_driving_steps(env_worker) -> None:
    path = POLICIES / "frozenlake_qtable.npz"
    q = np.load(path)["q"]
    client = env_worker("FrozenLake-v1", "--policy-path", str(path))
    state = client.request({"cmd": "reset", "seed": 0, "observe": True}, "ready")["observation"]
    for i in range(6):  # the Q-table's greedy move from each state, not a baseline's
        step = client.request({"cmd": "step", "req": i}, "step")
        assert step["action"] == int(q[state].argmax())
        if step["terminated"] or step["truncated"]:
            break
        state = step["observation"]


def test_a_policy_trained_on_another_task_plays_and_says_so_in_the_log(env_worker) -> None:
    client = env_worker("CartPole-v0", "--policy-path", str(POLICIES / "cartpole_mlp.npz"))
    client.request({"cmd": "reset", "seed": 0}, "ready")
    assert client.request({"cmd": "step", "req": 1}, "step")["action"] in (0, 1)
    assert "cartpole_mlp.npz was trained on CartPole-v1; playing CartPole-v0" in client.stderr


# --------------------------------------------------------------------------- refused resets


@pytest.mark.parametrize("task", ["FrozenLake-v1", "CartPole-v1", MINIGRID])
def test_a_seed_out_of_range_is_bad_command_and_the_worker_plays_on(env_worker, task) -> None:
    client = env_worker(task)
    for seed in (-1, 2**64):
        error = client.request({"cmd": "reset", "seed": seed, "req": 1}, "error")
        assert (error["code"], error["cmd"], error["req"]) == ("bad_command", "reset", 1)
        assert "seed must be a whole number from 0 to 2**64-1" in error["message"]
    error = client.request({"cmd": "run", "episodes": 1, "seeds": [-5]}, "error")
    assert error["code"] == "bad_command" and "-5" in error["message"]
    error = client.request({"cmd": "run", "episodes": 2, "seed": 2**64 - 1}, "error")
    assert error["code"] == "bad_command" and "give a lower seed" in error["message"]
    assert client.request({"cmd": "reset", "seed": 3}, "ready")["seed"] == 3
    steps = [client.request({"cmd": "step", "action": 0}) for _ in range(2)]
    assert steps[0]["type"] == "step", steps[0]  # was env_error: a TypeError in gymnasium
    assert steps[1]["type"] in ("step", "episode_end"), steps[1]


def test_a_reset_the_env_refuses_leaves_a_fresh_env_to_play() -> None:
    import io

    from env_worker.runtime import EnvRuntime, WorkerOptions

    from mosaic_tui.protocol import Reset, Step
    from mosaic_tui.protocol.stdio import WorkerChannel

    out = io.BytesIO()
    channel = WorkerChannel(io.BytesIO(), out, lifeline=False)
    made = []

    def make():
        made.append(gymnasium.make("FrozenLake-v1"))
        return made[-1]

    runtime = EnvRuntime(channel, WorkerOptions("r", "FrozenLake-v1"), make(), make)
    # a reset the env itself refuses (the seed check is bypassed here), as gymnasium does
    with pytest.raises(gymnasium.error.Error, match="Seed must be greater"):
        runtime.start_episode(-1, None, None, False, False, 1)
    assert runtime.episode is None and len(made) == 2 and runtime.env is made[1]
    runtime.handle(Reset(seed=3, req=2))
    runtime.handle(Step(action=0, req=3))
    runtime.handle(Step(action=0, req=4))
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["type"] for e in events] == ["ready", "step", "step"], events
