"""The reference dialect, as a driver speaks it: every name and field of reference-dialect.md."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mosaic_tui.protocol import (
    ActionSelected,
    AgentReady,
    EpisodeEnd,
    Error,
    FrameRequest,
    Init,
    InitAgent,
    Ping,
    ProtocolError,
    Ready,
    Reset,
    Run,
    SelectAction,
    Step,
    StepResult,
    Stop,
    Stopped,
)
from mosaic_tui.protocol.dialect import (
    action_name,
    decode_reference,
    encode_reference,
    is_native_init,
)


def payload(width: int, height: int, value: int = 7) -> dict:
    rgb = np.full((height, width, 3), value, dtype=np.uint8)
    return {"mode": "rgb", "width": width, "height": height, "rgb": rgb.tolist()}


def wire(command) -> dict:
    line = encode_reference(command)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    return json.loads(line)


def test_commands_are_keyed_by_cmd_and_type_with_no_request_id() -> None:
    for command in (Stop(req=3), Ping(req=4)):
        assert wire(command) == {"cmd": command.kind, "type": command.kind}


def test_init_agent_carries_game_name_player_and_action_meanings() -> None:
    data = wire(InitAgent(player_id="agent", game="MiniGrid-Empty-5x5-v0", labels=["left", "done"]))
    assert data == {
        "cmd": "init_agent",
        "type": "init_agent",
        "game_name": "MiniGrid-Empty-5x5-v0",
        "player_id": "agent",
        "action_meanings": ["left", "done"],
    }


def test_select_action_sends_a_board_as_text_moves_as_legal_moves_and_a_boolean_mask() -> None:
    data = wire(
        SelectAction(
            observation=[1, 2],
            info={"turn": 3},
            action_mask=[0, 1, 1],
            player_id="player_0",
            board=["8 r n", "7 p p"],
            moves={"e2e4": 12, "g1f3": 40},
        )
    )
    assert data["observation"] == "8 r n\n7 p p"
    assert data["info"] == {"turn": 3, "legal_moves": ["e2e4", "g1f3"]}
    assert data["action_mask"] == [False, True, True]
    assert data["player_id"] == "player_0" and "req" not in data


def test_reset_and_step_send_only_what_the_reference_reads() -> None:
    assert wire(Reset(seed=5, max_steps=30, frame=FrameRequest(8, 8), observe=True)) == {
        "cmd": "reset",
        "type": "reset",
        "seed": 5,
        "max_steps": 30,
    }
    assert wire(Step(action=np.int64(2))) == {"cmd": "step", "type": "step", "action": 2}


def test_a_streamed_run_has_no_reference_form() -> None:
    with pytest.raises(ValueError, match="no 'run' command"):
        encode_reference(Run(episodes=2))


def test_a_reference_init_is_an_init_of_protocol_0_and_its_extras_are_kept() -> None:
    event, extra = decode_reference(
        '{"type":"init","run_id":"r","worker":"random_worker","behavior":"random",'
        '"mode":"autonomous"}'
    )
    assert isinstance(event, Init)
    assert (event.protocol, event.worker, event.role) == (0, "random_worker", "env")
    assert extra == {"behavior": "random"}
    assert not is_native_init({"type": "init", "worker": "random_worker"})
    assert is_native_init({"type": "init", "protocol": 1, "worker": "env_worker"})


def test_ready_maps_episode_index_and_keeps_observation_shape() -> None:
    event, extra = decode_reference(
        json.dumps(
            {
                "type": "ready",
                "run_id": "r",
                "env_id": "MiniGrid-Empty-5x5-v0",
                "seed": 9,
                "observation_shape": [7, 7, 3],
                "step_index": 0,
                "episode_index": 4,
                "episode_reward": 0.0,
                "render_payload": payload(4, 2),
            }
        )
    )
    assert isinstance(event, Ready)
    assert (event.seed, event.episode, event.env_id) == (9, 4, "MiniGrid-Empty-5x5-v0")
    assert event.frame is not None and (event.frame.width, event.frame.height) == (4, 2)
    assert extra == {"observation_shape": [7, 7, 3]}


def test_a_0_based_step_index_becomes_1_based_and_episode_reward_the_return() -> None:
    event, extra = decode_reference(
        '{"type":"step","run_id":"r","step_index":0,"episode_index":1,"action":3,'
        '"reward":0.5,"terminated":false,"truncated":true,"episode_reward":0.5}'
    )
    assert isinstance(event, StepResult)
    assert (event.step_index, event.episode, event.action) == (1, 1, 3)
    assert (event.reward, event.episode_return, event.truncated) == (0.5, 0.5, True)
    assert extra == {}


@pytest.mark.parametrize(
    ("fields", "total", "length"),
    [
        ({"type": "episode_end", "episode_return": 1.5, "episode_steps": 9}, 1.5, 9),
        ({"type": "episode_done", "total_reward": 2.0, "episode_length": 4}, 2.0, 4),
        ({"type": "episode_done", "total_reward": -1.0, "num_steps": 12}, -1.0, 12),
    ],
)
def test_every_spelling_of_an_episode_end(fields: dict, total: float, length: int) -> None:
    event, _ = decode_reference(json.dumps({**fields, "episode_index": 2}))
    assert isinstance(event, EpisodeEnd)
    assert (event.total_reward, event.episode_length, event.episode) == (total, length, 2)


def test_an_episode_end_carries_its_render_payload_as_a_frame() -> None:
    event, _ = decode_reference(
        json.dumps({"type": "episode_end", "episode_steps": 1, "render_payload": payload(3, 3)})
    )
    assert isinstance(event, EpisodeEnd) and event.frame is not None


def test_frames_are_downsampled_to_the_request_on_arrival() -> None:
    line = json.dumps({"type": "step", "step_index": 0, "render_payload": payload(64, 32, 200)})
    event, _ = decode_reference(line, FrameRequest(16, 16))
    assert (event.frame.width, event.frame.height) == (16, 8)
    assert set(event.frame.to_array().reshape(-1).tolist()) == {200}
    small, _ = decode_reference(line, FrameRequest(100, 100))  # never scaled up
    assert (small.frame.width, small.frame.height) == (64, 32)


def test_agent_initialized_and_action_selected_with_action_str_and_reasoning() -> None:
    ready, extra = decode_reference(
        '{"type":"agent_initialized","run_id":"r","game_name":"chess_v6","player_id":"player_0"}'
    )
    assert isinstance(ready, AgentReady) and ready.player_id == "player_0" and extra == {}
    chosen, extra = decode_reference(
        '{"type":"action_selected","player_id":"player_0","action":"e2e4","action_str":"e2e4",'
        '"reasoning":"centre","input_tokens":12,"success":true}'
    )
    assert isinstance(chosen, ActionSelected)
    assert (chosen.action, chosen.reason, action_name(chosen)) == ("e2e4", "centre", "e2e4")
    assert extra == {"input_tokens": 12, "success": True}


def test_errors_pong_and_stopped() -> None:
    error, _ = decode_reference('{"type":"error","message":"Unknown command: bogus"}')
    assert isinstance(error, Error) and error.message == "Unknown command: bogus"
    assert not error.fatal
    stopped, extra = decode_reference('{"type":"stopped","run_id":"r"}')
    assert isinstance(stopped, Stopped) and extra == {}


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ('{"type":"step","step_index":"0"}', "'step_index'"),
        ('{"type":"step","step_index":0,"episode_index":"one"}', "'episode_index'"),
        ('{"type":"episode_end","episode_steps":1.5}', "'episode_steps'"),
        ('{"type":"ready","render_payload":{"mode":"rgb"}}', "render_payload"),
        ('{"type":"teleport"}', "unknown type 'teleport'"),
        ('[1, 2]', "expected a JSON object"),
    ],
)
def test_a_field_that_cannot_be_mapped_is_an_error_naming_it(line: str, named: str) -> None:
    with pytest.raises(ProtocolError) as info:
        decode_reference(line)
    assert named in str(info.value)
