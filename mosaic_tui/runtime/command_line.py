"""Command workers: any program as a player or as an operator's env worker.

A command is a template (`python -m random_worker --run-id {run_id} --task {task}`), split as a
POSIX shell splits it but never run through a shell: each word is one argument, and a value
put in by a placeholder stays one argument whatever it contains. A bare `python` (or
`python3`) runs the interpreter mosaic-tui runs on, so a worker installed beside it is found
in a virtual environment without a full path.
"""

from __future__ import annotations

import os
import shlex
import shutil
import string
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mosaic_tui.protocol.dialect import DIALECTS

#: The placeholders a command may use; what each becomes is `placeholders()`.
PLACEHOLDERS = ("run_id", "env_name", "task", "seed", "player_id", "telemetry_dir")
#: The keys of a command worker's table: the command, and how to speak to it.
COMMAND_KEYS = ("command", "dialect")
COMMAND_WORKER = "command"
_PYTHONS = ("python", "python3")


class CommandError(ValueError):
    """A command template that cannot be used; the message says what to change."""


def split(template: Any) -> list[str]:
    """The template's words, each checked: known placeholders only, no format specs."""
    if not isinstance(template, str) or not template.strip():
        raise CommandError("command must be a non-empty string, e.g. 'python -m my_worker'")
    try:
        words = shlex.split(template)
    except ValueError as exc:  # "No closing quotation"
        raise CommandError(f"command {template!r} cannot be split into words: {exc}") from None
    for word in words:
        try:
            parts = list(string.Formatter().parse(word))
        except ValueError as exc:  # a single "{" or "}"
            raise CommandError(
                f"command word {word!r}: {exc} (write {{{{ and }}}} for literal braces)"
            ) from None
        for _, name, spec, conversion in parts:
            if name is None:
                continue
            if name not in PLACEHOLDERS:
                known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
                raise CommandError(
                    f"command has an unknown placeholder {{{name}}} (known: {known})"
                )
            if spec or conversion:
                raise CommandError(f"command placeholder {{{name}}} takes no format or conversion")
    return words


def check(template: Any, dialect: Any = "auto", *, look: bool = True) -> None:
    """Refuse a template or dialect that could never start, before anything runs; `look`:
    the program must be here (not for a command run on another host)."""
    words = split(template)
    if dialect not in DIALECTS:
        raise CommandError(f"dialect {dialect!r} is not one of {', '.join(DIALECTS)}")
    program = words[0]
    if not look or "{" in program or program in _PYTHONS:
        return
    if os.sep in program:
        if not os.access(program, os.X_OK):
            raise CommandError(f"command program {program!r} does not exist or is not executable")
    elif shutil.which(program) is None:
        raise CommandError(
            f"command program {program!r} is not on PATH; give its full path, or install it"
        )


def expand(template: str, values: Mapping[str, Any]) -> list[str]:
    """The argv: each word with its placeholders filled in."""
    argv = []
    filled = {k: "" if v is None else str(v) for k, v in values.items()}
    for word in split(template):
        try:
            argv.append(word.format_map(filled))
        except KeyError as exc:
            raise CommandError(
                f"command placeholder {{{exc.args[0]}}} has no value here"
                f" ({exc.args[0]} is known for players only)"
                if exc.args[0] == "player_id"
                else f"command placeholder {{{exc.args[0]}}} has no value here"
            ) from None
    if argv and argv[0] in _PYTHONS:
        argv[0] = sys.executable
    return argv


def environment(
    run_id: str, operator_id: str, telemetry_dir: Path | str, view_size: int | None
) -> dict[str, str]:
    """The variables the reference GUI gives its workers, with the same names."""
    env = {
        "TELEMETRY_DIR": str(telemetry_dir),
        "OPERATOR_RUN_ID": run_id,
        "OPERATOR_ID": operator_id,
    }
    if view_size is not None:
        env["MOSAIC_VIEW_SIZE"] = str(view_size)
    return env


def label(argv: list[str]) -> str:
    """A short name for a command worker: the module of `python -m MODULE`, the script of
    `python SCRIPT.py`, else the program."""
    if "-m" in argv[:-1]:
        return argv[argv.index("-m") + 1]
    if Path(argv[0]).name.startswith("python") and len(argv) > 1 and argv[1][:1] != "-":
        return Path(argv[1]).stem
    return Path(argv[0]).name
