"""Text from users, files and workers on its way to a Rich console: data, never markup.

Square brackets are escaped (so `pip install 'mosaic-tui[multigrid]'` and `llm_worker[agent]`
survive and `[/red]` cannot break the output), control characters are shown as `\\xNN` instead
of reaching the terminal (no retitled windows, no cleared screens), and the values of secret
environment variables are masked.
"""

from __future__ import annotations

import re

from rich.markup import escape

from mosaic_tui.telemetry.text import redact_text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: object) -> str:
    """`text` with control characters made visible and secrets masked (no markup escaping)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", redact_text(str(text)))


def safe(text: object) -> str:
    """`text` ready to be embedded in Rich markup."""
    return escape(plain(text))
