"""Worker settings, declared once: the worker's command line and the app's launcher both come
from the same list.

Each worker owns a light `settings` module (no heavy imports) with a tuple of `Setting`s. The
worker builds its argparse from it (`add_arguments`); the app's launcher builds the worker's
catalogue entry, its argv and the `mosaic-tui workers` listing from it. A setting's `parse`
accepts both a value from a TOML file (int, float, list, table) and the text of a command-line
argument, so the launcher refuses exactly what the worker would.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


class SettingError(ValueError):
    """A value a setting refuses; the message names the setting and what it accepts."""


@dataclass(frozen=True)
class Setting:
    """One setting a worker accepts: how it is spelled, parsed, checked and documented."""

    name: str
    flag: str | None  # command-line flag; None for settings passed in the environment
    parse: Callable[[Any], Any] = str  # a TOML value or argv text -> the value; ValueError if bad
    choices: tuple[Any, ...] | None = None
    default: Any = None  # what the worker uses when the setting is not given
    env_var: str | None = None  # the environment variable a secret travels in
    help: str = ""  # one line, shown by `mosaic-tui workers` and the worker's --help
    required: bool = False
    secret: bool = False  # never on a command line: needs env_var and no flag
    metavar: str | None = None
    detail: str = ""  # more for the worker's --help only

    def __post_init__(self) -> None:
        if self.secret and (self.env_var is None or self.flag is not None):
            raise ValueError(f"secret setting {self.name!r} needs an env_var and no flag")
        if self.flag is None and self.env_var is None:
            raise ValueError(f"setting {self.name!r} needs a flag or an env_var")

    def check(self, value: Any) -> Any:
        """The parsed value; SettingError naming the setting and the cause otherwise."""
        try:
            parsed = self.parse(value)
        except (TypeError, ValueError) as exc:
            raise SettingError(f"setting {self.name!r}: {value!r} is not valid ({exc})") from None
        if self.choices is not None and parsed not in self.choices:
            options = ", ".join(map(str, self.choices))
            raise SettingError(f"setting {self.name!r}: {value!r} is not one of {options}")
        return parsed

    def render(self, value: Any) -> str:
        """The checked value as the text the worker receives (argv or environment)."""
        parsed = self.check(value)
        return json.dumps(parsed) if isinstance(parsed, dict) else str(parsed)

    def cli_help(self) -> str:
        text = "; ".join(part for part in (self.help, self.detail) if part)
        if self.default is not None and "default" not in text:
            text += f" (default: {self.default})"
        return text.replace("%", "%%")  # argparse formats help with %


def add_arguments(parser: argparse.ArgumentParser, settings: Iterable[Setting]) -> None:
    """Add every setting that has a flag to `parser`: same parse, choices, default and help."""
    for setting in settings:
        if setting.flag is None:
            continue  # read from the environment by the worker itself
        parser.add_argument(
            setting.flag,
            dest=setting.name,  # args.<name>, as declared
            type=_argument_type(setting),
            choices=setting.choices,
            default=setting.default,
            required=setting.required,
            metavar=setting.metavar,
            help=setting.cli_help(),
        )


def _argument_type(setting: Setting) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return setting.parse(text)
        except (TypeError, ValueError) as exc:
            raise argparse.ArgumentTypeError(f"{text!r} is not valid ({exc})") from None

    convert.__name__ = setting.name  # argparse names the type in some messages
    return convert


# Parsers shared by the workers' declarations: each takes a TOML value or argv text.


def _whole(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a whole number")
    if isinstance(value, str):
        value = value.strip()
        try:
            return int(value)
        except ValueError:
            raise ValueError("expected a whole number") from None
    if int(value) != value:
        raise ValueError("expected a whole number")
    return int(value)


def integer(value: Any) -> int:
    """A whole number (a TOML float like 1.5 is refused, not truncated)."""
    return _whole(value)


def positive_int(value: Any) -> int:
    number = _whole(value)
    if number < 1:
        raise ValueError("expected a whole number >= 1")
    return number


def non_negative_int(value: Any) -> int:
    number = _whole(value)
    if number < 0:
        raise ValueError("expected a whole number >= 0")
    return number


def frame_size(value: Any) -> str:
    """`WxH` in pixels, from "80x48" or [80, 48]."""
    if isinstance(value, (list, tuple)) and len(value) == 2:
        value = f"{_whole(value[0])}x{_whole(value[1])}"
    try:
        w, h = str(value).lower().split("x")
    except ValueError:
        raise ValueError("expected WIDTHxHEIGHT in pixels") from None
    return f"{positive_int(w)}x{positive_int(h)}"


def json_object(value: Any) -> dict[str, Any]:
    """A table: a TOML table as it is, or a JSON object from the command line."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError("expected a table / JSON object")
    return value


__all__ = [
    "Setting",
    "SettingError",
    "add_arguments",
    "frame_size",
    "integer",
    "json_object",
    "non_negative_int",
    "positive_int",
]
