"""Secret values masked in free text, pieces of them included: an endpoint that refuses a
key often echoes it shortened (`sk-QA-SE...f3a9`). Here, the lowest layer, because workers
mask what they print and log as the app does, and workers import only the protocol.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

REDACTED = "***"
MIN_FRAGMENT = 8  # a run of this many characters of a secret is masked wherever it appears
MIN_END = 4  # a secret's first and last characters around an ellipsis: `sk-QA-SE...f3a9`
_ELLIPSIS = re.compile(r"\.{2,}|…|\*{2,}")  # how a shortened key marks what it left out


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """`text` with each secret masked as ***: the whole value, any run of at least
    MIN_FRAGMENT of its characters, and an abbreviation of it (a prefix and a suffix of at
    least MIN_END characters each around `...`, `…` or `**`)."""
    spans: list[tuple[int, int]] = []
    for secret in secrets:
        if not secret:
            continue
        if len(secret) < MIN_FRAGMENT:  # too short for pieces to be told from other text
            spans += [(m.start(), m.end()) for m in re.finditer(re.escape(secret), text)]
            continue
        spans += [(m.start(), m.start() + MIN_FRAGMENT) for m in _grams(secret).finditer(text)]
        spans += _abbreviations(text, secret)
    if not spans:
        return text
    out, at = [], 0
    for start, end in _merged(spans):
        out += [text[at:start], REDACTED]
        at = end
    return "".join([*out, text[at:]])


@functools.lru_cache(maxsize=16)
def _grams(secret: str) -> re.Pattern[str]:
    """Finds where any MIN_FRAGMENT-character run of `secret` starts (overlapping: a longer
    run is the union of the runs starting in it)."""
    grams = {secret[i : i + MIN_FRAGMENT] for i in range(len(secret) - MIN_FRAGMENT + 1)}
    return re.compile("(?=(?:" + "|".join(map(re.escape, sorted(grams))) + "))")


def _abbreviations(text: str, secret: str) -> list[tuple[int, int]]:
    """Spans of `prefix...suffix` forms of `secret` in `text`."""
    spans = []
    for mark in _ELLIPSIS.finditer(text):
        before = text[max(0, mark.start() - len(secret)) : mark.start()]
        after = text[mark.end() : mark.end() + len(secret)]
        head = next(
            (k for k in range(len(secret) - 1, MIN_END - 1, -1) if before.endswith(secret[:k])),
            0,
        )
        tail = next(
            (k for k in range(len(secret) - 1, MIN_END - 1, -1) if after.startswith(secret[-k:])),
            0,
        )
        if head and tail:
            spans.append((mark.start() - head, mark.end() + tail))
    return spans


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
