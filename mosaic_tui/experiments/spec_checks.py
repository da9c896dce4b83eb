"""Checks of an experiment file's values, each reported at its key path.

`ExperimentError` says where (`operators[1].workers.agent.type`) and what would be valid;
the helpers here check a table, a whole number, the known keys, a `host` and a `command`.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from mosaic_tui.core.hosts import HostError, check_host
from mosaic_tui.runtime import command_line


class ExperimentError(ValueError):
    """A problem in an experiment file, located by key path."""

    def __init__(self, where: str, message: str, source: str | None = None) -> None:
        # keys and values come from the file: control characters are shown, never sent raw
        where, message = _visible(where), _visible(message)
        source = None if source is None else _visible(source)
        self.where, self.message, self.source = where, message, source
        prefix = f"{source}: " if source else ""
        super().__init__(f"{prefix}{where}: {message}" if where else f"{prefix}{message}")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # not \t, \n


def _visible(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _host(table: dict[str, Any], where: str) -> str | None:
    """A table's `host` checked ("" for this machine), None when it names none."""
    if "host" not in table:
        return None
    try:
        return check_host(table["host"])
    except HostError as exc:
        raise ExperimentError(f"{where}.host", str(exc)) from None


def _checked_command(table: dict[str, Any], where: str, remote: bool = False) -> str:
    """A table's `command` and `dialect` checked (errors at their key); the dialect. A remote
    command's program is not looked for here: it is on its host."""
    dialect = table.get("dialect", "auto")
    try:
        command_line.check(table["command"], dialect, look=not remote)
    except command_line.CommandError as exc:
        key = "dialect" if str(exc).startswith("dialect") else "command"
        raise ExperimentError(f"{where}.{key}", str(exc)) from None
    return dialect


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ExperimentError(where, f"expected a table, got {type(value).__name__} {value!r:.40}")
    return value


def _int(value: Any, where: str, *, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ExperimentError(where, f"expected a whole number >= {minimum}, got {value!r:.40}")
    if maximum is not None and value > maximum:
        raise ExperimentError(where, f"expected a whole number <= {maximum}, got {value!r:.40}")
    return value


def _known_keys(table: dict[str, Any], known: set[str], where: str) -> None:
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = (
                f"; did you mean {close[0]!r}?"
                if close
                else f" (known: {', '.join(sorted(known))})"
            )
            raise ExperimentError(f"{where}.{key}" if where else key, f"unknown key{hint}")
