"""The codec's field checks come from the messages' type hints: a new field of a new type is
checked (and a bad value refused by name) without touching the codec."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Literal, TypeVar

import pytest

from mosaic_tui.protocol import COMMANDS, EVENTS, Command
from mosaic_tui.protocol.codec import _CHECKS, field_checks, from_wire

Anything = TypeVar("Anything")


@dataclasses.dataclass(frozen=True)
class Point:
    """A type the codec has never heard of, which reads itself from the wire."""

    x: int
    y: int

    @classmethod
    def from_wire(cls, data: Any) -> Point:
        if not (isinstance(data, list) and len(data) == 2 and all(type(v) is int for v in data)):
            raise ValueError(f"a point is [x, y], got {data!r:.30}")
        return cls(data[0], data[1])


@dataclasses.dataclass(slots=True)
class Aim(Command):
    """A message of a test's own, with fields of types no message uses."""

    kind: ClassVar[str] = "aim"
    target: Point | None = None
    speed: Literal["slow", "fast"] = "slow"
    weights: tuple[float, ...] | None = None
    label: str | int = 0
    strength: float = 1.0
    req: int | None = None


def test_every_field_of_every_registered_message_is_checked_from_import() -> None:
    for cls in (*COMMANDS.values(), *EVENTS.values()):
        assert set(_CHECKS[cls]) == {f.name for f in dataclasses.fields(cls)}, cls.kind


def test_a_new_message_with_new_types_is_checked_without_touching_the_codec() -> None:
    assert set(field_checks(Aim)) == {"target", "speed", "weights", "label", "strength", "req"}
    aim = from_wire(Aim, {"cmd": "aim", "target": [3, 4], "speed": "fast", "strength": 2})
    assert aim == Aim(target=Point(3, 4), speed="fast", strength=2.0)
    assert isinstance(aim.strength, float)
    assert from_wire(Aim, {"label": "left"}).label == "left"  # either type of a union
    assert from_wire(Aim, {"target": None}).target is None  # `| None` may be null


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"target": [3, "4"]}, "target: a point is [x, y]"),
        ({"speed": "warp"}, "field 'speed' must be one of 'slow', 'fast'"),
        ({"weights": [0.5]}, "field 'weights' must be tuple"),  # JSON has lists, not tuples
        ({"label": 1.5}, "field 'label' must be str or int"),
        ({"strength": True}, "field 'strength' must be float"),
        ({"strength": None}, "field 'strength' may not be null"),
        ({"req": "7"}, "field 'req' must be int"),
    ],
)
def test_bad_values_of_new_types_are_refused_by_field(data: dict[str, Any], says: str) -> None:
    with pytest.raises((TypeError, ValueError), match=says.replace("[", r"\[").replace("]", r"\]")):
        from_wire(Aim, data)


@dataclasses.dataclass(slots=True)
class Odd(Command):
    kind: ClassVar[str] = "odd"
    value: Anything | None = None  # a type variable: nothing to check a JSON value against


def test_a_type_the_codec_cannot_check_fails_when_the_checks_are_built() -> None:
    with pytest.raises(TypeError, match="cannot check a field of type"):
        field_checks(Odd)
