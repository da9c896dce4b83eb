"""Driving a worker that speaks the reference platform's dialect (`reference-dialect.md`).

The app speaks mosaic-tui's protocol to its own workers; a command worker may instead be one of
the reference's (random_worker, passive_worker, chess_worker, ...). This module translates both
ways, line by line, so the runtime above it sees the same typed messages either way:

- out: our commands in the reference's words: `cmd` and `type` both name the command
  (chess_worker reads `type`), no request ids, `game_name` and `action_meanings` in
  `init_agent`, the legal moves by name in `select_action`'s `info.legal_moves`;
- in: the reference's events as ours: `episode_done` is `episode_end`, `agent_initialized` is
  `agent_ready`, `episode_index` is `episode`, a 0-based `step_index` is made 1-based,
  `episode_return`/`total_reward` and `episode_steps`/`episode_length`/`num_steps` are the end's
  totals, `render_payload` is a frame (on any event), `reasoning` is `reason`.

A field this mapping does not know is returned beside the event, for the caller to keep in the
worker's log; a field it knows but cannot read (a string step index) is an error naming it.
"""

from __future__ import annotations

import json
from typing import Any

from mosaic_tui.protocol.codec import ProtocolError, from_wire, load_object
from mosaic_tui.protocol.frames import Frame, FrameError, FrameRequest, fit_frame
from mosaic_tui.protocol.messages import (
    EVENTS,
    ActionSelected,
    Command,
    Event,
    Init,
    InitAgent,
    Reset,
    SelectAction,
    Step,
)

#: How a command worker's dialect is chosen: "auto" reads its first line (an `init` with our
#: `protocol` number: ours; anything else, or silence: the reference's).
DIALECTS = ("auto", "mosaic", "mosaic-tui")
NATIVE = "mosaic-tui"
REFERENCE = "mosaic"

_EVENT_NAMES = {"episode_done": "episode_end", "agent_initialized": "agent_ready"}
#: The reference's field -> ours, per event.
_RENAMED: dict[str, dict[str, str]] = {
    "ready": {"episode_index": "episode"},
    "step": {"episode_index": "episode", "episode_reward": "episode_return"},
    "episode_end": {
        "episode_index": "episode",
        "episode_return": "total_reward",
        "episode_steps": "episode_length",
        "num_steps": "episode_length",
    },
    "action_selected": {"reasoning": "reason"},
}
#: Fields read and used here, not passed on by name (`render_payload` becomes `frame`).
_CONSUMED: dict[str, set[str]] = {
    "init": {"run_id", "worker", "mode"},
    "ready": {"step_index", "episode_reward", "run_id"},
    "step": {"run_id"},
    "episode_end": {"run_id"},
    "agent_ready": {"run_id", "game_name", "mode"},
    "action_selected": {"run_id"},
    "stopped": {"run_id"},
}


def is_native_init(data: Any) -> bool:
    """A first line that says the worker speaks our protocol: `init` with a `protocol` number."""
    return isinstance(data, dict) and data.get("type") == "init" and "protocol" in data


def encode_reference(command: Command) -> bytes:
    """One command as a reference worker reads it."""
    data: dict[str, Any] = {"cmd": command.kind, "type": command.kind}
    if isinstance(command, InitAgent):
        data.update(game_name=command.game, player_id=command.player_id)
        if command.labels:
            data["action_meanings"] = list(command.labels)  # passive_worker finds its no-op
    elif isinstance(command, SelectAction):
        info = dict(command.info or {})
        if command.moves:
            info["legal_moves"] = list(command.moves)  # chess_worker picks among these
        observation = command.observation
        if command.board:  # a board game: the position as text, as chess_worker reads it
            observation = "\n".join(command.board)
        data.update(observation=observation, info=info, player_id=command.player_id)
        if command.action_mask is not None:
            data["action_mask"] = [bool(v) for v in command.action_mask]
    elif isinstance(command, Reset):
        data.update(seed=command.seed, max_steps=command.max_steps)
    elif isinstance(command, Step):
        data["action"] = command.action
        if command.actions is not None:
            data["actions"] = command.actions
    elif command.kind not in ("stop", "ping"):
        raise ValueError(f"the reference dialect has no {command.kind!r} command")
    data = {k: v for k, v in data.items() if v is not None}
    return json.dumps(data, separators=(",", ":"), default=_plain).encode() + b"\n"


def _plain(value: Any) -> Any:
    tolist = getattr(value, "tolist", None)  # numpy scalars and arrays
    if callable(tolist):
        return tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def decode_reference(
    line: bytes | str, frame: FrameRequest | None = None
) -> tuple[Event, dict[str, Any]]:
    """One reference event as ours, and the fields we do not map (for the log).

    A frame larger than `frame` asks is downsampled here, as our own workers do before they
    send: the reference sends full-size RGB lists (a 256x256 MiniGrid frame is ~1 MB)."""
    data = load_object(line)
    kind = data.get("type")
    kind = _EVENT_NAMES.get(kind, kind) if isinstance(kind, str) else kind
    cls = EVENTS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ProtocolError(f"unknown type {data.get('type')!r}", line)
    renamed = _RENAMED.get(kind, {})
    consumed = _CONSUMED.get(kind, set())
    fields = set(cls.__dataclass_fields__) - {"req"}
    ours: dict[str, Any] = {}
    unmapped: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("type", "req", "render_payload"):
            continue
        target = renamed.get(key, key)
        if target in fields and target not in ours:
            ours[target] = value
        elif key not in consumed and target not in fields:
            unmapped[key] = value
    try:
        if kind == "step" and "step_index" in data:  # 0-based there, 1-based here
            index = data["step_index"]
            if not isinstance(index, int) or isinstance(index, bool):
                raise TypeError(f"field 'step_index' must be int, got {index!r:.40}")
            ours["step_index"] = index + 1
        if "action_mask" in ours and isinstance(ours["action_mask"], list):
            ours["action_mask"] = [int(bool(v)) for v in ours["action_mask"]]
        got = None
        payload = data.get("render_payload")
        if payload is not None and "frame" in fields:
            try:
                got = Frame.from_reference(payload)
            except FrameError as exc:
                raise ValueError(f"render_payload: {exc}") from None
            if frame is not None and (got.width > frame.width or got.height > frame.height):
                got = fit_frame(got.to_array(), frame)
        ours.pop("frame", None)  # only as render_payload: a `frame` of ours would be doubled
        if cls is Init:
            ours.update(protocol=0, worker=str(data.get("worker") or ""))
            ours["role"] = "env" if data.get("mode") == "autonomous" else "decision"
        event = from_wire(cls, ours)
        if got is not None:
            event.frame = got  # type: ignore[attr-defined]
    except (TypeError, ValueError) as exc:
        reason = str(exc)
        for theirs, mine in renamed.items():
            if theirs in data:
                reason = reason.replace(f"'{mine}'", f"'{theirs}'")
        raise ProtocolError(f"bad {data.get('type')!r} message: {reason}", line) from None
    return event, unmapped


def action_name(event: ActionSelected) -> str | None:
    """The move a reference worker named (`action_str`, or a string action: chess UCI)."""
    if event.action_str:
        return event.action_str
    return event.action if isinstance(event.action, str) else None


def serve_decoding(stdin: Any = None, stdout: Any = None) -> None:
    """A helper process's loop (runtime/decoding.py): length-prefixed pickles in, each a
    (line, frame request); `decode_reference`'s result or error out. Ends at EOF."""
    import pickle
    import struct
    import sys

    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    while header := stdin.read(4):
        line, frame = pickle.loads(stdin.read(struct.unpack("<I", header)[0]))
        try:
            event, unmapped = decode_reference(line, frame)
            result: Any = (event, unmapped, None)
        except ProtocolError as exc:  # its fields do not survive pickling: send them
            result = (None, None, (exc.reason, exc.line))
        except Exception as exc:  # noqa: BLE001 - anything else: report, keep serving
            result = (None, None, (f"undecodable ({type(exc).__name__}: {exc})", ""))
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(struct.pack("<I", len(data)) + data)
        stdout.flush()


if __name__ == "__main__":
    serve_decoding()
