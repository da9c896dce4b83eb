"""Where a worker runs: this machine, or another one reached with `ssh` (runtime/remote.py).

A host is an ssh destination (`box`, `user@box`, an alias from the user's ssh config); ""
or "local" is this machine. Checked wherever one is given, so a bad one fails at load time.
"""

from __future__ import annotations

import re
from typing import Any

LOCAL = ("", "local")  # what names this machine
_DESTINATION = re.compile(r"[A-Za-z0-9_.@:\[\]%/-]{1,255}")


class HostError(ValueError):
    """A host or host setting that cannot be used; the message says what to change."""


def check_host(value: Any) -> str:
    """`value` as a host ("" for this machine) if it can be an ssh destination."""
    if isinstance(value, str) and value.strip() in LOCAL:
        return ""
    if not isinstance(value, str) or not _DESTINATION.fullmatch(value) or value[0] == "-":
        shown = repr(value)[:70] if isinstance(value, str) else type(value).__name__
        raise HostError(
            f"host {shown} is not an ssh destination: give user@box, box or an alias from"
            ' your ssh config (letters, digits and . _ - @ : [ ] % / only, not starting with'
            ' -), or "local"'
        )
    return value
