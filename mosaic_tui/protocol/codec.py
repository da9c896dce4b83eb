"""One JSON object per line, in both directions, with errors that never crash the reader.

Decoding checks each field's type against its dataclass annotation, so a worker that sends
`"reward": "high"` is told so by name, and reads the reference's spellings (`episode_done`,
`agent_initialized`, `render_payload` with `rgb` lists, `episode_reward`) as aliases.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from mosaic_tui.protocol.frames import Frame, FrameError, FrameRequest
from mosaic_tui.protocol.messages import COMMANDS, EVENTS, Command, Event, Message

MAX_LINE_BYTES = 32 * 1024 * 1024  # the reader's line limit; the brief asks for >= 16 MiB
_SHOWN = 200  # characters of an offending line quoted in an error

EVENT_ALIASES = {"episode_done": "episode_end", "agent_initialized": "agent_ready"}
FIELD_ALIASES = {
    "step": {"episode_reward": "episode_return"},
    "init_agent": {"game_name": "game"},  # the reference GUI's name for it
}


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
    for name in _names(type(message)):
        value = getattr(message, name)
        if value is None:
            continue
        if isinstance(value, (Frame, FrameRequest)):
            value = value.to_wire(frame_encoding) if isinstance(value, Frame) else value.to_wire()
        data[name] = value
    return data


@cache
def _names(cls: type[Message]) -> tuple[str, ...]:
    """A message class's field names (`dataclasses.fields` costs a step's worth of lookups)."""
    return tuple(f.name for f in dataclasses.fields(cls))


def encode(message: Message, *, frame_encoding: str = "zlib") -> bytes:
    """One line of UTF-8 JSON, newline-terminated."""
    data = to_wire(message, frame_encoding=frame_encoding)
    return json.dumps(data, separators=(",", ":"), default=_default).encode() + b"\n"


# --------------------------------------------------------------------------- decoding


def decode_command(line: str | bytes) -> Command:
    return _decode(line, "cmd", COMMANDS)  # type: ignore[return-value]


def decode_event(line: str | bytes) -> Event:
    return _decode(line, "type", EVENTS)  # type: ignore[return-value]


def load_object(line: str | bytes) -> dict[str, Any]:
    """One line as a JSON object, within the line limit; ProtocolError saying why not."""
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
    return data


def _decode(line: str | bytes, key: str, registry: dict[str, type[Message]]) -> Message:
    data = load_object(line)
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
    checks = _checkers(cls)
    kwargs: dict[str, Any] = {}
    for name, value in data.items():  # the keys sent, not every field the message may have
        check = checks.get(name)
        if check is not None:
            kwargs[name] = check(name, value)
    for name, alias in _aliases(cls).items():  # (a command and an event may share a kind)
        if name in checks and name not in kwargs and alias in data:
            kwargs[name] = checks[name](name, data[alias])
    if kwargs.get("frame") is None and data.get("render_payload") is not None:
        try:
            kwargs["frame"] = Frame.from_reference(data["render_payload"])
        except FrameError as exc:
            raise ValueError(f"render_payload: {exc}") from None
    return cls(**kwargs)


# --------------------------------------------------------------------------- field checks
#
# Each message field's check is built from its dataclass's type hints (`typing.get_type_hints`),
# once, at import: a new field, or a new message, is checked without touching this module.
# Containers are checked as containers (a `dict[str, int]` must be an object); a type that
# reads itself from the wire (`from_wire`, like Frame) is parsed; `X | None` may be null.

Check = Callable[[str, Any], Any]


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# Types whose JSON form needs more than isinstance: a bool is not a number; ints are floats.
_SPECIAL: dict[type, Callable[[Any], bool]] = {bool: lambda v: isinstance(v, bool), int: _is_int}


def field_checks(cls: type) -> dict[str, Check]:
    """Field name -> its check (value in, checked value out), from `cls`'s type hints."""
    hints = typing.get_type_hints(cls)
    return {f.name: _field_check(hints[f.name]) for f in dataclasses.fields(cls)}


def _field_check(hint: Any) -> Check:
    options = typing.get_args(hint) if _is_union(hint) else (hint,)
    nullable = hint is Any or type(None) in options
    kinds = [t for t in options if t is not type(None)]
    check = _type_check(kinds[0]) if len(kinds) == 1 else _any_of(kinds)
    # A value of exactly the plain type passes at once (every field of a step answer is one);
    # anything else takes the full check, and its message.
    exact = tuple(k for k in kinds if k in (int, bool, str)) + ((float,) if float in kinds else ())
    if nullable:

        def optional(name: str, value: Any) -> Any:
            if value is None or type(value) in exact:
                return value
            return check(name, value)

        return optional

    def required(name: str, value: Any) -> Any:
        if type(value) in exact:
            return value
        if value is None:
            raise TypeError(f"field '{name}' may not be null")
        return check(name, value)

    return required


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


def _type_check(kind: Any) -> Check:
    if kind is Any:
        return lambda name, value: value
    parse = getattr(kind, "from_wire", None)
    if isinstance(kind, type) and callable(parse):
        return _parsed(parse)
    if typing.get_origin(kind) is typing.Literal:
        return _one_of(typing.get_args(kind))
    base = typing.get_origin(kind) or kind
    if not isinstance(base, type):
        raise TypeError(f"the codec cannot check a field of type {kind!r}")
    if base is float:
        test: Callable[[Any], bool] = _is_num
    else:
        test = _SPECIAL.get(base) or (lambda v: isinstance(v, base))

    def check(name: str, value: Any) -> Any:
        if not test(value):
            raise TypeError(
                f"field '{name}' must be {base.__name__}, got {type(value).__name__} {value!r:.40}"
            )
        return float(value) if base is float else value

    return check


def _parsed(parse: Callable[[Any], Any]) -> Check:
    def check(name: str, value: Any) -> Any:
        try:
            return parse(value)
        except ValueError as exc:  # FrameError and the like: say which field
            raise ValueError(f"{name}: {exc}") from None

    return check


def _one_of(allowed: tuple[Any, ...]) -> Check:
    def check(name: str, value: Any) -> Any:
        if not any(value == a and type(value) is type(a) for a in allowed):  # True is not 1
            shown = ", ".join(map(repr, allowed))
            raise ValueError(f"field '{name}' must be one of {shown}, got {value!r:.40}")
        return value

    return check


def _any_of(kinds: list[Any]) -> Check:
    checks = [_type_check(kind) for kind in kinds]

    def check(name: str, value: Any) -> Any:
        for one in checks:
            try:
                return one(name, value)
            except (TypeError, ValueError):
                continue
        shown = " or ".join(getattr(k, "__name__", repr(k)) for k in kinds)
        raise TypeError(f"field '{name}' must be {shown}, got {type(value).__name__}")

    return check


@cache
def _aliases(cls: type[Message]) -> dict[str, str]:
    """Field name -> the reference's name for it."""
    return {target: alias for alias, target in FIELD_ALIASES.get(cls.kind, {}).items()}


#: Every registered message's checks, built once here (a bad annotation fails the import).
_CHECKS: dict[type, dict[str, Check]] = {
    cls: field_checks(cls) for cls in (*COMMANDS.values(), *EVENTS.values())
}


def _checkers(cls: type[Message]) -> dict[str, Check]:
    checks = _CHECKS.get(cls)
    if checks is None:  # a message class not in the registries (a subclass, a test's own)
        checks = _CHECKS[cls] = field_checks(cls)
    return checks
