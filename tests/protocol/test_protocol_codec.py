"""The JSON-lines codec: round trips, forward compatibility, aliases, and malformed input.

The contract under test: `decode_command` / `decode_event` either return a message or raise
`ProtocolError` (a ValueError carrying the reason and the truncated offending text) — never
anything else, whatever bytes arrive on the pipe.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
import random
import zlib

import numpy as np
import pytest

from mosaic_tui.protocol import (
    COMMANDS,
    EVENTS,
    ActionSelected,
    AgentReady,
    EpisodeEnd,
    Error,
    Frame,
    FrameRequest,
    Init,
    InitAgent,
    Ping,
    Pong,
    Progress,
    ProtocolError,
    Ready,
    Reset,
    Run,
    RunEnd,
    SelectAction,
    Step,
    StepResult,
    Stop,
    Stopped,
    decode_command,
    decode_event,
    encode,
    to_wire,
)
from mosaic_tui.protocol.messages import Render, Rendered

# A small frame with odd dimensions and varied pixels, so a byte-order or stride mistake shows.
IMG = (np.arange(5 * 7 * 3, dtype=np.uint32) * 37 % 256).astype(np.uint8).reshape(5, 7, 3)
FRAME = Frame.from_array(IMG)
REQ = FrameRequest(80, 48, "png")

# One instance per message class with every field away from its default, so a field the codec
# forgets (or mistypes) breaks the equality.
SAMPLES = [
    Reset(seed=3, max_steps=50, frame=REQ, observe=True, auto_reset=False, req=1),
    Step(
        action=2, actions={"agent_0": 1, "agent_1": 0}, frame=FrameRequest(10, 10),
        skip_frame=True, req=2,
    ),
    Render(frame=FrameRequest(12, 9, "zlib"), req=21),
    Rendered(episode=3, step_index=8, frame=FRAME, req=21),
    Run(
        episodes=4, seeds=[1, 2, 3, 4], seed=9, max_steps=7, frame=FrameRequest(8, 6, "raw"),
        actions=[2, 0, {"agent_0": 1}], req=3,
    ),
    Stop(req=4),
    Ping(req=5),
    InitAgent(
        player_id="player_1",
        game="chess_v6",
        action_space={"type": "discrete", "n": 9},
        labels=["a", "b"],
        noop_action=1,
        seed=11,
        env_settings={"view_size": 5},
        team="blue",
        req=6,
    ),
    SelectAction(
        observation={"board": [[0, 1], [1, 0]], "text": "hi"},
        info={"turn": 3},
        action_mask=[0, 1, 1],
        player_id="player_0",
        step_index=4,
        board=["X . O"],
        moves={"e2e4": 877},
        frame=Frame(1, 1, b"\x04\x05\x06"),
        req=7,
    ),
    Init(
        protocol=2,
        worker="env_worker",
        role="decision",
        run_id="r1",
        env_id="X-v0",
        pid=123,
        agents=["a", "b"],
        action_space={"type": "discrete", "n": 3},
        action_labels=["x", "y", "z"],
        noop_action=2,
        max_steps=99,
        stepping="simultaneous",
        teams={"a": "green"},
        env_settings={"view_size": 5},
        req=8,
    ),
    Ready(
        run_id="r1",
        env_id="X-v0",
        seed=5,
        episode=3,
        max_steps=10,
        frame=FRAME,
        observation={"pos": [1, 2]},
        info={"k": "v"},
        action_mask=[1, 0],
        agent_to_move="player_1",
        action_masks={"player_1": [1, 0]},
        legal_actions=[0, 2],
        agents=["player_1"],
        board=["1 4 7", "2 X 8", "3 6 9"],
        moves={"e2e4": 877, "e4": 877},
        req=9,
    ),
    StepResult(
        step_index=4,
        episode=2,
        action=1,
        reward=-0.5,
        terminated=True,
        truncated=True,
        episode_return=3.25,
        frame=FRAME,
        observation=[1, 2, 3],
        info={"a": 1},
        action_mask=[1, 1],
        agent="player_0",
        actions={"player_0": 1},
        rewards={"player_0": 1.0},
        terminations={"player_0": True},
        truncations={"player_0": False},
        agent_to_move="player_1",
        action_masks={"player_1": [0, 1]},
        legal_actions=[1],
        agents=["player_1"],
        board=["8 ♜ ♞"],
        moves={"Nf3": 12},
        req=10,
    ),
    EpisodeEnd(
        episode=7,
        seed=8,
        total_reward=12.5,
        episode_length=33,
        terminated=True,
        truncated=True,
        rewards={"a": 1.5},
        frame=Frame(1, 1, b"\x01\x02\x03"),
        req=11,
    ),
    RunEnd(episodes=3, steps=30, interrupted=True, req=12),
    Error(message="boom", code="env_error", cmd="step", fatal=True, req=13),
    Stopped(req=14),
    Progress(message="compiling", req=18),
    Pong(req=15),
    AgentReady(player_id="player_2", worker="baseline_worker", req=16),
    ActionSelected(
        action=4,
        player_id="p",
        reason="because",
        action_str="forward",
        record={"valid": True, "latency_ms": 3.5},
        req=17,
    ),
]


def _decoder(message):
    return decode_command if message.key == "cmd" else decode_event


def test_samples_cover_every_message_class_with_non_default_fields() -> None:
    classes = {type(m) for m in SAMPLES}
    assert classes == set(COMMANDS.values()) | set(EVENTS.values())
    for message in SAMPLES:
        default = type(message)()
        for f in dataclasses.fields(message):
            assert getattr(message, f.name) != getattr(default, f.name), (type(message), f.name)


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: m.kind)
@pytest.mark.parametrize("frame_encoding", ["zlib", "raw", "png"])
def test_round_trip_gives_an_equal_message(message, frame_encoding) -> None:
    line = encode(message, frame_encoding=frame_encoding)
    assert isinstance(line, bytes)
    assert line.endswith(b"\n") and line.count(b"\n") == 1  # exactly one line
    assert _decoder(message)(line) == message
    # the same line as text decodes too
    assert _decoder(message)(line.decode()) == message


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: m.kind)
def test_wire_keys_are_the_kind_key_plus_set_fields(message) -> None:
    wire = json.loads(encode(message))
    assert wire[message.key] == message.kind
    names = {f.name for f in dataclasses.fields(message)}
    assert set(wire) == names | {message.key}


def test_none_fields_are_omitted_on_the_wire() -> None:
    wire = json.loads(encode(Reset()))
    # seed, max_steps, frame and req are None and must not appear; the booleans are real values
    assert wire == {"cmd": "reset", "observe": False, "auto_reset": True}
    wire = json.loads(encode(StepResult(step_index=1)))
    assert "frame" not in wire and "observation" not in wire and "req" not in wire
    assert None not in wire.values()
    # ... and an omitted field decodes back to None
    assert decode_command(encode(Reset())).seed is None


def test_frames_travel_as_base64_bytes_not_nested_lists() -> None:
    big = np.zeros((48, 80, 3), dtype=np.uint8)
    big[10:20, 30:50] = (200, 30, 40)
    message = StepResult(step_index=1, frame=Frame.from_array(big))
    for encoding in ("zlib", "raw", "png"):
        wire = json.loads(encode(message, frame_encoding=encoding))
        frame = wire["frame"]
        assert set(frame) == {"w", "h", "enc", "data"}
        assert (frame["w"], frame["h"], frame["enc"]) == (80, 48, encoding)
        assert isinstance(frame["data"], str)
        base64.b64decode(frame["data"], validate=True)  # plain base64
    raw = encode(message, frame_encoding="raw")
    # raw bytes as base64 cost 4/3 of the pixels, far below lists of numbers
    assert len(raw) < 80 * 48 * 3 * 4 / 3 + 300
    assert len(raw) < len(json.dumps(big.tolist())) / 2


def test_to_wire_honours_frame_encoding_and_numpy_values_encode() -> None:
    assert to_wire(Ready(frame=FRAME), frame_encoding="raw")["frame"]["enc"] == "raw"
    # numpy scalars and arrays inside Any fields are converted, not rejected
    message = StepResult(action=np.int64(3), reward=1.0, observation=np.arange(3))
    decoded = decode_event(encode(message))
    assert decoded.action == 3 and isinstance(decoded.action, int)
    assert decoded.observation == [0, 1, 2]


def test_int_fields_decoded_into_float_fields_become_floats() -> None:
    event = decode_event(b'{"type":"step","reward":1,"episode_return":2}\n')
    assert event.reward == 1.0 and isinstance(event.reward, float)
    assert isinstance(event.episode_return, float)


# --------------------------------------------------------------------------- malformed input


def _protocol_error(decode, line) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        decode(line)
    assert isinstance(info.value, ValueError)
    return info.value


@pytest.mark.parametrize("line", [b"", b"\n", b"hello", b"{", b'{"cmd": "ping"', b"{'cmd':'ping'}"])
def test_not_json_is_a_protocol_error(line) -> None:
    for decode in (decode_command, decode_event):
        error = _protocol_error(decode, line)
        assert "not JSON" in error.reason


@pytest.mark.parametrize("line", [b"[1, 2]", b'"ping"', b"3", b"null", b"true"])
def test_non_object_json_is_a_protocol_error(line) -> None:
    for decode in (decode_command, decode_event):
        error = _protocol_error(decode, line)
        assert "JSON object" in error.reason


def test_missing_key_and_the_command_event_hint() -> None:
    error = _protocol_error(decode_command, b'{"seed": 1}')
    assert "'cmd'" in error.reason and "event" not in error.reason
    error = _protocol_error(decode_event, b'{"seed": 1}')
    assert "'type'" in error.reason and "command" not in error.reason
    # an event sent where a command was expected, and vice versa, says so
    error = _protocol_error(decode_event, b'{"cmd": "reset", "seed": 1}')
    assert "'type'" in error.reason and "command" in error.reason
    error = _protocol_error(decode_command, b'{"type": "ready"}')
    assert "'cmd'" in error.reason and "event" in error.reason


def test_unknown_kind_lists_the_known_kinds() -> None:
    error = _protocol_error(decode_command, b'{"cmd": "jump"}')
    assert "'jump'" in error.reason
    for kind in COMMANDS:
        assert kind in error.reason
    error = _protocol_error(decode_event, b'{"type": "exploded"}')
    for kind in EVENTS:
        assert kind in error.reason
    # aliases are event spellings only; a command named like one is still unknown
    _protocol_error(decode_command, b'{"cmd": "episode_done"}')
    # a non-string kind is unknown too
    _protocol_error(decode_command, b'{"cmd": 5}')
    _protocol_error(decode_event, b'{"type": 5}')


@pytest.mark.parametrize(
    ("decode", "line", "field"),
    [
        (decode_command, {"cmd": "reset", "seed": "abc"}, "seed"),
        (decode_command, {"cmd": "reset", "seed": 1.5}, "seed"),
        (decode_command, {"cmd": "reset", "observe": 1}, "observe"),
        (decode_command, {"cmd": "run", "episodes": True}, "episodes"),
        (decode_command, {"cmd": "run", "seeds": "1,2"}, "seeds"),
        (decode_command, {"cmd": "init_agent", "labels": "abc"}, "labels"),
        (decode_command, {"cmd": "init_agent", "action_space": [7]}, "action_space"),
        (decode_command, {"cmd": "select_action", "info": "x"}, "info"),
        (decode_command, {"cmd": "ping", "req": "1"}, "req"),
        (decode_event, {"type": "step", "reward": "high"}, "reward"),
        (decode_event, {"type": "step", "step_index": True}, "step_index"),
        (decode_event, {"type": "step", "terminated": "no"}, "terminated"),
        (decode_event, {"type": "error", "message": 5}, "message"),
        (decode_event, {"type": "init", "action_labels": {"0": "a"}}, "action_labels"),
    ],
)
def test_wrong_field_types_name_the_field(decode, line, field) -> None:
    error = _protocol_error(decode, json.dumps(line))
    assert f"'{field}'" in error.reason


def test_bad_frame_request_in_a_command_is_a_protocol_error() -> None:
    for frame in (
        {"width": 0, "height": 5},
        {"width": 5},
        "80x48",
        {"width": 5, "height": 5, "encoding": "jpeg"},
    ):
        error = _protocol_error(decode_command, json.dumps({"cmd": "reset", "frame": frame}))
        assert "frame" in error.reason


def test_invalid_utf8_is_a_protocol_error() -> None:
    for line in (b'{"cmd": "ping", "x": "\xff\xfe"}', b'{"cmd": "\xc3"}', b"\x80\x81\x82"):
        error = _protocol_error(decode_command, line)
        assert error.line  # the offending text is shown, with replacement characters


def _frame_event(**frame) -> str:
    return json.dumps({"type": "ready", "frame": frame})


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        ({"w": 2, "h": 2, "enc": "raw", "data": _b64(bytes(11))}, "12"),  # size mismatch
        ({"w": 2, "h": 2, "enc": "zlib", "data": _b64(zlib.compress(bytes(13)))}, "12"),
        ({"w": 2, "h": 2, "enc": "raw", "data": "@@not base64@@"}, "frame"),
        ({"w": 2, "h": 2, "enc": "raw", "data": "abc"}, "frame"),  # bad padding
        ({"w": 2, "h": 2, "enc": "zlib", "data": _b64(b"this is not zlib")}, "zlib"),
        ({"w": 2, "h": 2, "enc": "zlib", "data": _b64(zlib.compress(bytes(12))[:-3])}, "zlib"),
        ({"w": 2, "h": 2, "enc": "png", "data": _b64(b"\x89PNG not really")}, "png"),
        ({"w": 2, "h": 2, "enc": "gif", "data": _b64(bytes(12))}, "gif"),
        ({"w": "two", "h": 2, "enc": "raw", "data": _b64(bytes(12))}, "frame"),
        ({"h": 2, "enc": "raw", "data": _b64(bytes(12))}, "frame"),
        ({"w": 2, "h": 2, "enc": "raw"}, "frame"),
    ],
)
def test_bad_frame_payloads_are_protocol_errors(frame, words) -> None:
    error = _protocol_error(decode_event, _frame_event(**frame))
    assert words in error.reason


def test_frame_that_is_not_an_object_is_a_protocol_error() -> None:
    _protocol_error(decode_event, json.dumps({"type": "step", "frame": [[1, 2, 3]]}))


def test_long_offending_line_is_truncated_in_the_error() -> None:
    line = "x" * 10_000
    error = _protocol_error(decode_command, line + "\n")
    assert error.line.startswith("x" * 200)
    assert "x" * 201 not in error.line
    assert "10000" in error.line  # says how long the line really was
    assert len(str(error)) < 400
    # a long but valid-JSON line with a bad field is truncated the same way
    error = _protocol_error(decode_event, json.dumps({"type": "step", "reward": "y" * 5000}))
    assert len(str(error)) < 600
    # a short line is quoted in full, without its newline
    error = _protocol_error(decode_command, b'{"cmd": "nope"}\n')
    assert error.line == '{"cmd": "nope"}'


def test_unknown_extra_fields_are_ignored() -> None:
    command = decode_command(b'{"cmd":"reset","seed":3,"future":{"x":[1,2]},"v2_flag":true}')
    assert command == Reset(seed=3)
    event = decode_event(b'{"type":"pong","req":4,"latency_ms":12}')
    assert event == Pong(req=4)


# --------------------------------------------------------------------------- reference aliases


def test_reference_event_names_decode_as_aliases() -> None:
    event = decode_event(
        b'{"type":"episode_done","episode":2,"total_reward":1.5,"episode_length":9}'
    )
    assert event == EpisodeEnd(episode=2, total_reward=1.5, episode_length=9)
    event = decode_event(b'{"type":"agent_initialized","player_id":"player_1"}')
    assert event == AgentReady(player_id="player_1")


def test_episode_reward_is_read_as_episode_return() -> None:
    assert decode_event(b'{"type":"step","episode_reward":2.5}').episode_return == 2.5
    # the canonical name wins when both are present
    event = decode_event(b'{"type":"step","episode_reward":2.5,"episode_return":1.0}')
    assert event.episode_return == 1.0
    # the alias is type-checked like the field it stands for
    error = _protocol_error(decode_event, b'{"type":"step","episode_reward":"lots"}')
    assert "episode_return" in error.reason


def test_render_payload_rgb_lists_become_a_frame() -> None:
    rgb = IMG.tolist()
    event = decode_event(json.dumps({"type": "step", "render_payload": {"rgb": rgb}}))
    assert event.frame == FRAME
    np.testing.assert_array_equal(event.frame.to_array(), IMG)
    # an RGBA payload keeps its colour channels
    rgba = np.concatenate([IMG, np.full((5, 7, 1), 255, np.uint8)], axis=2)
    event = decode_event(json.dumps({"type": "ready", "render_payload": {"rgb": rgba.tolist()}}))
    assert event.frame == FRAME


@pytest.mark.parametrize(
    "payload",
    [
        {"rgb": [[1, 2], [3]]},
        {"rgb": "abc"},
        {"image": [[[1, 2, 3]]]},
        [[1, 2, 3]],
        {"rgb": [[[None, 1, 2]]]},
        {"rgb": [1, 2, 3]},
    ],
)
def test_bad_render_payloads_are_protocol_errors(payload) -> None:
    error = _protocol_error(decode_event, json.dumps({"type": "step", "render_payload": payload}))
    assert "render_payload" in error.reason


# --------------------------------------------------------------------------- defects found


@pytest.mark.parametrize("decode", [decode_command, decode_event])
def test_deeply_nested_json_is_a_protocol_error(decode) -> None:
    _protocol_error(decode, b"[" * 100_000)


@pytest.mark.parametrize("line", [b'{"type": [1]}', b'{"type": {"a": 1}}'])
def test_unhashable_event_type_is_a_protocol_error(line) -> None:
    _protocol_error(decode_event, line)


@pytest.mark.parametrize("rgb", [5, [[[300, 0, 0]]], [[[-1, 0, 0]]]])
def test_render_payload_with_bad_values_is_a_protocol_error(rgb) -> None:
    _protocol_error(decode_event, json.dumps({"type": "step", "render_payload": {"rgb": rgb}}))


def test_render_payload_with_one_channel_is_rejected_or_consistent() -> None:
    rgb = [[[1], [2]], [[3], [4]]]
    try:
        event = decode_event(json.dumps({"type": "step", "render_payload": {"rgb": rgb}}))
    except ProtocolError:
        return
    frame = event.frame
    assert len(frame.data) == frame.width * frame.height * 3
    # what the app does next with it: re-encode and decode again
    assert decode_event(encode(event)) == event


def test_frame_with_negative_size_is_a_protocol_error() -> None:
    _protocol_error(decode_event, _frame_event(w=-1, h=-1, enc="raw", data=_b64(b"abc")))


@pytest.mark.parametrize(
    ("decode", "line", "field"),
    [
        (decode_event, {"type": "step", "reward": None}, "reward"),
        (decode_event, {"type": "step", "terminated": None}, "terminated"),
        (decode_command, {"cmd": "run", "episodes": None}, "episodes"),
        (decode_command, {"cmd": "init_agent", "action_space": None}, "action_space"),
    ],
)
def test_null_for_a_non_optional_field_is_a_protocol_error(decode, line, field) -> None:
    error = _protocol_error(decode, json.dumps(line))
    assert f"'{field}'" in error.reason


# --------------------------------------------------------------------------- fuzz


def _outcome(decode, data: bytes) -> str:
    try:
        decode(data)
    except ProtocolError:
        return "error"
    except Exception as exc:  # noqa: BLE001 - the point is to catch anything else
        return f"{type(exc).__name__}: {exc}"[:120]
    return "message"


_VALID_LINES = [encode(m, frame_encoding=enc) for m in SAMPLES for enc in ("zlib", "png", "raw")]
_JUNK_VALUES = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    1e308,
    2**70,
    "",
    "x",
    "\u0000",
    [],
    [1, "a"],
    {},
    {"w": 1},
]
_TEMPTING_KEYS = [
    "w",
    "h",
    "enc",
    "data",
    "width",
    "height",
    "encoding",
    "frame",
    "seed",
    "render_payload",
    "rgb",
    "req",
    "episode_reward",
    "action_mask",
]


def _mutate(rng: random.Random, obj) -> None:
    """Replace, delete or add one value somewhere inside a decoded JSON object (in place)."""
    if isinstance(obj, dict) and obj:
        key = rng.choice(list(obj))
        r = rng.random()
        if r < 0.3:
            obj[key] = copy.deepcopy(rng.choice(_JUNK_VALUES))
        elif r < 0.5:
            del obj[key]
        elif r < 0.75 and isinstance(obj[key], (dict, list)) and obj[key]:
            _mutate(rng, obj[key])
        else:
            obj[rng.choice(_TEMPTING_KEYS)] = copy.deepcopy(rng.choice(_JUNK_VALUES))
    elif isinstance(obj, list) and obj:
        obj[rng.randrange(len(obj))] = copy.deepcopy(rng.choice(_JUNK_VALUES))


def _fuzz_cases(rng: random.Random, n: int, *, keep_kind: bool):
    for _ in range(n):
        base = rng.choice(_VALID_LINES)
        r = rng.random()
        if r < 0.25:  # random bytes
            yield bytes(rng.randrange(256) for _ in range(rng.randint(0, 80)))
        elif r < 0.5:  # flipped bytes in a valid line
            data = bytearray(base)
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            yield bytes(data)
        elif r < 0.6:  # truncated line
            yield base[: rng.randrange(len(base))]
        else:  # structural mutation of the JSON
            obj = json.loads(base)
            kind_key = "type" if "type" in obj else "cmd"  # an error event also has "cmd"
            kind = obj[kind_key]
            for _ in range(rng.randint(1, 3)):
                _mutate(rng, obj)
            if keep_kind:
                obj[kind_key] = kind
            yield json.dumps(obj).encode()


def test_fuzz_random_and_mutated_lines_give_a_message_or_protocol_error() -> None:
    rng = random.Random(0)
    outcomes: dict[str, int] = {}
    for data in _fuzz_cases(rng, 2000, keep_kind=True):
        for decode in (decode_command, decode_event):
            result = _outcome(decode, data)
            outcomes[result] = outcomes.get(result, 0) + 1
    # the fuzz reached both outcomes, so it is neither all-garbage nor all-valid
    assert outcomes.pop("message", 0) > 100
    assert outcomes.pop("error", 0) > 1000
    assert outcomes == {}, outcomes


def test_fuzz_commands_with_mutated_kind_give_a_command_or_protocol_error() -> None:
    rng = random.Random(0)
    bad = {}
    for data in _fuzz_cases(rng, 2000, keep_kind=False):
        result = _outcome(decode_command, data)
        if result not in ("message", "error"):
            bad[result] = bad.get(result, 0) + 1
    assert bad == {}


def test_fuzz_events_with_mutated_kind_give_an_event_or_protocol_error() -> None:
    rng = random.Random(0)
    bad = {}
    for data in _fuzz_cases(rng, 2000, keep_kind=False):
        result = _outcome(decode_event, data)
        if result not in ("message", "error"):
            bad[result] = bad.get(result, 0) + 1
    assert bad == {}
