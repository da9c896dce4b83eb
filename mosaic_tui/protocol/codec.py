"""One JSON object per line, in both directions, with errors that never crash the reader.

Decoding checks each field's type against its dataclass annotation, so a worker that sends
`"reward": "high"` is told so by name, and reads the reference's spellings (`episode_done`,
`agent_initialized`, `render_payload` with `rgb` lists, `episode_reward`) as aliases.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from mosaic_tui.protocol.frames import Frame, FrameError, FrameRequest
from mosaic_tui.protocol.messages import COMMANDS, EVENTS, Command, Event, Message

MAX_LINE_BYTES = 32 * 1024 * 1024  # the reader's line limit; the brief asks for >= 16 MiB
_SHOWN = 200  # characters of an offending line quoted in an error

EVENT_ALIASES = {"episode_done": "episode_end", "agent_initialized": "agent_ready"}
FIELD_ALIASES = {"step": {"episode_reward": "episode_return"}}


class ProtocolError(ValueError):
    """A line that is not a valid protocol message; carries the (truncated) offending text."""

    def __init__(self, reason: str, line: str | bytes = "", req: int | None = None) -> None:
        self.req = req  # the request number, when the line had a readable one
        text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
        text = text.rstrip("\n")
        self.reason = reason
        self.line = text if len(text) <= _SHOWN else text[:_SHOWN] + f"... ({len(text)} chars)"
        super().__init__(f"{reason}: {self.line!r}" if self.line else reason)


# --------------------------------------------------------------------------- encoding


def _default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (Frame, FrameRequest)):
        return value.to_wire()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_wire(message: Message, *, frame_encoding: str = "zlib") -> dict[str, Any]:
    """The message as a JSON-ready dict; fields left at None are omitted."""
    data: dict[str, Any] = {message.key: message.kind}
    for f in dataclasses.fields(message):
        value = getattr(message, f.name)
        if value is None:
            continue
        if isinstance(value, Frame):
            value = value.to_wire(frame_encoding)
        elif isinstance(value, FrameRequest):
            value = value.to_wire()
        data[f.name] = value
    return data


def encode(message: Message, *, frame_encoding: str = "zlib") -> bytes:
    """One line of UTF-8 JSON, newline-terminated."""
    data = to_wire(message, frame_encoding=frame_encoding)
    return json.dumps(data, separators=(",", ":"), default=_default).encode() + b"\n"


# --------------------------------------------------------------------------- decoding


def decode_command(line: str | bytes) -> Command:
    return _decode(line, "cmd", COMMANDS)  # type: ignore[return-value]


def decode_event(line: str | bytes) -> Event:
    return _decode(line, "type", EVENTS)  # type: ignore[return-value]


def _decode(line: str | bytes, key: str, registry: dict[str, type[Message]]) -> Message:
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError(f"line of {len(line)} bytes exceeds the {MAX_LINE_BYTES} limit", line)
    try:
        data = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"not JSON ({exc})", line) from None
    except RecursionError:
        raise ProtocolError("JSON nested too deeply", line) from None
    if not isinstance(data, dict):
        raise ProtocolError(f"expected a JSON object, got {type(data).__name__}", line)
    req = data.get("req")
    req = req if isinstance(req, int) and not isinstance(req, bool) else None
    kind = data.get(key)
    if kind is None:
        other = "type" if key == "cmd" else "cmd"
        hint = (
            f" (this is {'a command' if other == 'cmd' else 'an event'})" if other in data else ""
        )
        raise ProtocolError(f"missing '{key}' field{hint}", line, req)
    if isinstance(kind, str) and key == "type":
        kind = EVENT_ALIASES.get(kind, kind)
    cls = registry.get(kind) if isinstance(kind, str) else None
    if cls is None:
        known = ", ".join(sorted(registry))
        raise ProtocolError(f"unknown {key} {kind!r} (known: {known})", line, req)
    try:
        return from_wire(cls, data)
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"bad {kind!r} message: {exc}", line, req) from None


def from_wire(cls: type[Message], data: dict[str, Any]) -> Message:
    """Build a message from a decoded dict, checking every known field; unknown ones are ignored."""
    aliases = _aliases(cls)
    kwargs: dict[str, Any] = {}
    for name, check in _checkers(cls).items():
        if name in data:
            value = data[name]
        elif name in aliases and aliases[name] in data:
            value = data[aliases[name]]
        else:
            continue
        value = check(name, value)
        kwargs[name] = value
    if kwargs.get("frame") is None and data.get("render_payload") is not None:
        try:
            kwargs["frame"] = Frame.from_reference(data["render_payload"])
        except FrameError as exc:
            raise ValueError(f"render_payload: {exc}") from None
    return cls(**kwargs)


# --------------------------------------------------------------------------- field checks

Check = Callable[[str, Any], Any]


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_BASIC: dict[str, Callable[[Any], bool]] = {
    "int": _is_int,
    "float": _is_num,
    "bool": lambda v: isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "dict": lambda v: isinstance(v, dict),
    "list": lambda v: isinstance(v, list),
}


def _make_check(annotation: str) -> Check:
    check = _make_type_check(annotation)
    if "None" in [p.strip() for p in annotation.split("|")] or annotation == "Any":
        return lambda name, value: None if value is None else check(name, value)

    def required(name: str, value: Any) -> Any:
        if value is None:
            raise TypeError(f"field '{name}' may not be null")
        return check(name, value)

    return required


def _make_type_check(annotation: str) -> Check:
    parts = [p.strip() for p in annotation.split("|") if p.strip() != "None"]
    base = parts[0].split("[", 1)[0] if len(parts) == 1 else "Any"
    if base in ("Frame", "FrameRequest"):
        parse = Frame.from_wire if base == "Frame" else FrameRequest.from_wire

        def check_frame(name: str, value: Any) -> Frame | FrameRequest:
            try:
                return parse(value)
            except FrameError as exc:
                raise ValueError(f"{name}: {exc}") from None

        return check_frame
    if base == "Any":
        return lambda name, value: value
    test = _BASIC[base]

    def check(name: str, value: Any) -> Any:
        if not test(value):
            raise TypeError(
                f"field '{name}' must be {base}, got {type(value).__name__} {value!r:.40}"
            )
        return float(value) if base == "float" else value

    return check


@cache
def _aliases(cls: type[Message]) -> dict[str, str]:
    """Field name -> the reference's name for it."""
    return {target: alias for alias, target in FIELD_ALIASES.get(cls.kind, {}).items()}


@cache
def _checkers(cls: type[Message]) -> dict[str, Check]:
    return {f.name: _make_check(str(f.type)) for f in dataclasses.fields(cls)}
