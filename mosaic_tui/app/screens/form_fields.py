"""The configure form's fields as text: env settings parsed and written back, and the checks
each field runs as it is typed (a mistake is shown on its field, with the field's name)."""

from __future__ import annotations

import json
import re
from typing import Any

from textual.validation import ValidationResult, Validator

from mosaic_tui.core.hosts import HostError, check_host


def parse_settings(text: str) -> dict[str, Any]:
    """`is_slippery=false, map_name=8x8, size=[5, 5]` -> {"is_slippery": False, "map_name":
    "8x8", "size": [5, 5]}: JSON where it reads as JSON, else the text itself; a value that
    starts like a JSON list, object or string must be one."""
    settings: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in _top_level_parts(text))):
        key, sep, raw = part.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ValueError(f"{part!r} is not name=value")
        raw = raw.strip()
        try:
            value = json.loads(raw)
        except ValueError:
            if raw[:1] in ('[', '{', '"'):
                raise ValueError(
                    f"{key.strip()}={raw} is not valid JSON (a list is [1, 2], text needs no"
                    " quotes)"
                ) from None
            value = raw
        settings[key.strip()] = value
    return settings


def _top_level_parts(text: str) -> list[str]:
    """`text` cut at its commas outside brackets and quotes (`a=[1, 2], b=x`: two parts)."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(text):
        if char == '"' and (i == 0 or text[i - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char in "[{":
            depth += 1
        elif not quoted and char in "]}":
            depth = max(0, depth - 1)
        elif char == "," and not depth and not quoted:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def settings_problem(task: str, exc: Exception) -> str:
    """What an env said about its settings, in the form's words where it is the usual
    `__init__() got an unexpected keyword argument 'x'`."""
    found = re.search(r"unexpected keyword argument '(\w+)'", str(exc))
    if found:  # raised by the env, or wrapped by make_env with the whole kwargs
        return f"{task} has no setting {found.group(1)!r}; remove it, or check its spelling"
    return str(exc)


def format_settings(settings: dict[str, Any]) -> str:
    return ", ".join(
        f"{k}={json.dumps(v) if not isinstance(v, str) else v}" for k, v in settings.items()
    )


class SettingsValidator(Validator):
    def validate(self, value: str) -> ValidationResult:
        try:
            parse_settings(value)
        except ValueError as exc:
            return self.failure(f"Env settings: {exc}")
        return self.success()


class HostField(Validator):
    """Where the env worker (and players naming no host) run: empty or an ssh destination."""

    def validate(self, value: str) -> ValidationResult:
        try:
            check_host(value)
        except HostError as exc:
            return self.failure(f"Host: {exc}")
        return self.success()


class WholeNumber(Validator):
    """A whole number of at least `minimum`, or empty for the default; the message names the
    field as the form labels it."""

    def __init__(self, field: str, minimum: int, maximum: int) -> None:
        super().__init__()
        self.field = field
        self.minimum = minimum
        self.maximum = maximum

    def validate(self, value: str) -> ValidationResult:
        text = value.strip()
        if not text:
            return self.success()
        try:
            number = int(text)
        except ValueError:
            return self.failure(f"{self.field} must be a whole number, or empty")
        if number < self.minimum:
            return self.failure(f"{self.field} must be {self.minimum} or more")
        if number > self.maximum:
            return self.failure(f"{self.field} must be at most {self.maximum:,}")
        return self.success()
