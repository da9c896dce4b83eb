"""What is kept of a worker's output: a capped log file, clipped lines, secrets masked."""

from __future__ import annotations

import os
from pathlib import Path

from mosaic_tui.core.secrets import is_secret_key

MIN_SECRET_CHARS = 6


def secret_values(env: dict[str, str]) -> list[str]:
    """The values of the secret-looking variables (API keys, tokens) in a worker's
    environment, longest first; short ones (a flag like "1") would only mangle the text."""
    found = {v for k, v in env.items() if is_secret_key(k) and len(v) >= MIN_SECRET_CHARS}
    return sorted(found, key=len, reverse=True)


def clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"... ({len(text) - limit} more characters)"


class CappedLog:
    """A worker's log file that cannot grow without limit: it keeps the first `head` bytes
    this worker wrote and its latest `tail` bytes, with a line in between saying how much was
    dropped. Writes are buffered; the owner flushes them (within 0.1 s: the file can be
    followed, and a flood of lines is not a system call per line)."""

    def __init__(self, path: Path, head: int, tail: int) -> None:
        self.head = head
        self.tail = tail
        self._file = open(path, "a+b")
        self._start = self._end = self._file.seek(0, os.SEEK_END)
        self._head_end: int | None = None  # where the head stopped; the cut starts here
        self._marker = 0  # length of the "dropped" line now in the file
        self.dropped_bytes = 0
        self.dropped_lines = 0

    def write(self, text: str) -> None:
        data = text.encode("utf-8", "replace")
        self._file.write(data)
        self._end = end = self._end + len(data)
        if self._head_end is None:
            if end - self._start >= self.head:
                self._head_end = end
        elif end - self._head_end - self._marker > 2 * self.tail:
            self._cut(end)

    def _cut(self, end: int) -> None:
        """Drop everything between the head and the latest `tail` bytes (at a line start)."""
        assert self._head_end is not None
        body_start = self._head_end + self._marker
        self._file.flush()
        self._file.seek(body_start)
        body = self._file.read(end - body_start)
        keep_from = len(body) - self.tail
        newline = body.find(b"\n", keep_from)
        keep_from = len(body) if newline < 0 else newline + 1
        self.dropped_bytes += keep_from
        self.dropped_lines += body.count(b"\n", 0, keep_from)
        marker = (
            f"[mosaic-tui] ... {self.dropped_lines} lines ({self.dropped_bytes} bytes) of this"
            f" worker's log dropped here: a log keeps its first {self.head} and its latest"
            f" {self.tail} bytes ...\n"
        ).encode()
        self._file.truncate(self._head_end)
        kept = marker + body[keep_from:]
        self._file.write(kept)
        self._file.flush()
        self._end = self._head_end + len(kept)
        self._marker = len(marker)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()
