"""Text from users, files and workers, made safe for Textual's markup.

Rich's `escape` is the wrong one here: Textual's parser takes a backslash as an escape only
before `[`, so Rich's doubled backslashes show doubled (`\\[x]` for an operator named `\\[x]`).
"""

from __future__ import annotations

ZERO_WIDTH = "\u200b"


def escape(text: str) -> str:
    """`text` shown as it is inside Textual markup: every `[` escaped. A trailing backslash
    would escape the tag after it, so it is followed by a zero-width space."""
    text = text.replace("[", "\\[")
    return text + ZERO_WIDTH if text.endswith("\\") else text
