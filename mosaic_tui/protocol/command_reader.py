"""Commands read straight from the worker's stdin by the thread that handles them.

Handing each command from a reader thread to the worker's main thread costs a thread wake-up
per command: in per-step play (a round trip for every step) that is a good part of a step. Here
the main thread waits on the file descriptor itself (`select`), reads what is there, and splits
it into lines; a streaming loop polls without blocking. Lines over the limit are dropped whole,
up to their newline, and reported once.
"""

from __future__ import annotations

import collections
import os
import queue
import select
from collections.abc import Callable
from typing import Any

from mosaic_tui.protocol.codec import MAX_LINE_BYTES, ProtocolError, decode_command

EOF = None
CHUNK = 1 << 16


class CommandReader:
    def __init__(self, fd: int, decode: Callable[[bytes], Any] = decode_command) -> None:
        self.fd = fd
        self.decode = decode
        self._buffer = bytearray()
        self._items: collections.deque[Any] = collections.deque()
        self._eof = False
        self._dropping: int | None = None  # bytes dropped so far of an over-long line
        self._head = b""  # its start, shown in the error

    def next(self, timeout: float | None = None) -> Any:
        """The next command, ProtocolError or EOF; `queue.Empty` after `timeout` seconds."""
        while not self._items:
            if self._eof:
                return EOF
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                raise queue.Empty
            self._fill()
        return self._items.popleft()

    def poll(self) -> Any:
        """A waiting command (or ProtocolError, or EOF) without blocking; False if none."""
        if not self._items and not self._eof:
            ready, _, _ = select.select([self.fd], [], [], 0)
            if ready:
                self._fill()
        if self._items:
            return self._items.popleft()
        return EOF if self._eof else False

    def _fill(self) -> None:
        try:
            data = os.read(self.fd, CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._eof = True
            if self._dropping is not None:
                self._too_long(self._dropping + len(self._buffer))
            elif self._buffer.strip():
                self._line(bytes(self._buffer))  # a last line without its newline
            self._buffer.clear()
            return
        self._buffer += data
        self._split()

    def _split(self) -> None:
        buffer = self._buffer
        start = 0
        while True:
            end = buffer.find(b"\n", start)
            if self._dropping is not None:
                if end < 0:
                    self._dropping += len(buffer) - start
                    start = len(buffer)
                    break
                self._too_long(self._dropping + end + 1 - start)
                start = end + 1
                continue
            if end < 0:
                if len(buffer) - start > MAX_LINE_BYTES:  # no newline in sight: drop it
                    self._head = bytes(buffer[start : start + 200])
                    self._dropping = len(buffer) - start
                    start = len(buffer)
                break
            if end + 1 - start > MAX_LINE_BYTES + 1:
                self._head = bytes(buffer[start : start + 200])
                self._too_long(end + 1 - start)
            elif end > start and buffer[start:end].strip():
                self._line(bytes(buffer[start : end + 1]))
            start = end + 1
        del buffer[:start]

    def _too_long(self, dropped: int) -> None:
        self._dropping = None
        self._items.append(
            ProtocolError(
                f"line of {dropped} bytes or more discarded: over the {MAX_LINE_BYTES}-byte"
                " limit",
                self._head,
            )
        )

    def _line(self, line: bytes) -> None:
        try:
            self._items.append(self.decode(line))
        except ProtocolError as exc:
            self._items.append(exc)
        except Exception as exc:  # noqa: BLE001 - a bad line is answered, never fatal
            self._items.append(ProtocolError(f"undecodable ({type(exc).__name__}: {exc})", line))
