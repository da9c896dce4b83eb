"""Bytes as they arrive, cut into protocol lines, with the line limit kept.

Both ends read chunks, not lines: a worker reads its stdin itself (command_reader.py) and the
app takes a worker's stdout as the pipe delivers it (runtime/line_feed.py). A line over the
limit is dropped whole, up to its newline, and reported once as a `ProtocolError`; nothing after
the junk is read as a line of its own.
"""

from __future__ import annotations

from mosaic_tui.protocol.codec import MAX_LINE_BYTES, ProtocolError


class LineSplitter:
    def __init__(self, limit: int = MAX_LINE_BYTES) -> None:
        self.limit = limit
        self._buffer = bytearray()
        self._dropping: int | None = None  # bytes dropped so far of an over-long line
        self._head = b""  # its start, shown in the error

    def feed(self, data: bytes) -> list[bytes | ProtocolError]:
        """The complete lines in `data` and what came before it (each with its newline;
        blank lines skipped), and an error for each line over the limit."""
        out: list[bytes | ProtocolError] = []
        if not self._buffer and self._dropping is None:
            if data.endswith(b"\n") and data.count(b"\n") == 1 and len(data) <= self.limit + 1:
                if data.strip():  # one whole line, as a per-step answer comes: no copies
                    out.append(data)
                return out
        buffer = self._buffer
        seek = len(buffer)  # what is held already has no newline: look in the new bytes only
        buffer += data
        start = 0
        while True:
            end = buffer.find(b"\n", seek)
            if self._dropping is not None:
                if end < 0:
                    self._dropping += len(buffer) - start
                    start = len(buffer)
                    break
                out.append(self._too_long(self._dropping + end + 1 - start))
                start = seek = end + 1
                continue
            if end < 0:
                if len(buffer) - start > self.limit:  # no newline in sight: drop it
                    self._head = bytes(buffer[start : start + 200])
                    self._dropping = len(buffer) - start
                    start = len(buffer)
                break
            if end + 1 - start > self.limit + 1:
                self._head = bytes(buffer[start : start + 200])
                out.append(self._too_long(end + 1 - start))
            elif end > start and buffer[start:end].strip():
                out.append(bytes(buffer[start : end + 1]))
            start = seek = end + 1
        del buffer[:start]
        return out

    def finish(self) -> list[bytes | ProtocolError]:
        """At end of input: a last line that had no newline, or the error for a dropped one."""
        out: list[bytes | ProtocolError] = []
        if self._dropping is not None:
            out.append(self._too_long(self._dropping + len(self._buffer)))
        elif self._buffer.strip():
            out.append(bytes(self._buffer))
        self._buffer.clear()
        return out

    def _too_long(self, dropped: int) -> ProtocolError:
        self._dropping = None
        return ProtocolError(
            f"line of {dropped} bytes or more discarded: over the {self.limit}-byte limit",
            self._head,
        )
