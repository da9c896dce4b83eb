"""env_worker frame pacing: `step {skip_frame}` leaves the picture out (not the board, not the
moves, never at an episode's end), and `render` draws the current state without stepping."""

from __future__ import annotations

import json

from mosaic_tui.protocol import Frame, decode_event

MINIGRID = "MiniGrid-Empty-8x8-v0"
SHOWN = {"width": 40, "height": 40}


def frame_of(event: dict) -> Frame:
    return decode_event(json.dumps(event)).frame


def test_a_skipped_frame_is_drawn_on_request_and_an_episode_end_always_has_one(
    env_worker,
) -> None:
    client = env_worker(MINIGRID)
    client.request(
        {"cmd": "reset", "seed": 3, "max_steps": 4, "auto_reset": False, "frame": SHOWN}, "ready"
    )
    framed = client.request({"cmd": "step", "action": 0}, "step")  # left
    assert "frame" in framed
    skipped = client.request({"cmd": "step", "action": 1, "skip_frame": True}, "step")  # right
    assert "frame" not in skipped and skipped["step_index"] == 2
    drawn = client.request({"cmd": "render", "req": 7}, "rendered")
    assert (drawn["req"], drawn["episode"], drawn["step_index"]) == (7, 0, 2)
    # left then right: the agent faces where it started, one step before the skipped one
    assert frame_of(drawn) != frame_of(framed)
    client.request({"cmd": "step", "action": 0, "skip_frame": True}, "step")  # left again
    assert frame_of(client.request({"cmd": "render"}, "rendered")) == frame_of(framed)
    last = client.request({"cmd": "step", "action": 1, "skip_frame": True}, "step")
    assert last["truncated"] and "frame" in last  # the last picture is never left out
    client.read_type("episode_end")
    smaller = client.request({"cmd": "render", "frame": {"width": 16, "height": 16}}, "rendered")
    assert frame_of(smaller).width <= 16


def test_skipping_the_frame_keeps_the_board_and_the_moves(env_worker) -> None:
    client = env_worker("tictactoe_v3")
    client.request({"cmd": "reset", "seed": 1, "auto_reset": False, "frame": SHOWN}, "ready")
    step = client.request({"cmd": "step", "action": 3, "skip_frame": True}, "step")
    assert "frame" not in step
    assert step["board"] == ["1 X 3", "4 5 6", "7 8 9"]
    assert "2" not in step["moves"] and step["moves"]["5"] == 4


def test_render_before_any_episode_is_refused(env_worker) -> None:
    client = env_worker(MINIGRID)
    error = client.request({"cmd": "render", "req": 2}, "error")
    assert error["code"] == "not_reset" and error["req"] == 2
    assert client.request({"cmd": "ping", "req": 3}, "pong")["req"] == 3  # still serving
