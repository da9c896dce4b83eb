"""Commands read straight from the worker's stdin by the thread that handles them.

Handing each command from a reader thread to the worker's main thread costs a thread wake-up
per command: in per-step play (a round trip for every step) that is a good part of a step. Here
the main thread waits on the file descriptor itself (`select`), reads what is there, and splits
it into lines (lines.py: over-long ones dropped whole and reported once); a streaming loop polls
without blocking.
"""

from __future__ import annotations

import collections
import os
import queue
import select
from collections.abc import Callable
from typing import Any

from mosaic_tui.protocol.codec import ProtocolError, decode_command
from mosaic_tui.protocol.lines import LineSplitter

EOF = None
CHUNK = 1 << 16


class CommandReader:
    def __init__(self, fd: int, decode: Callable[[bytes], Any] = decode_command) -> None:
        self.fd = fd
        self.decode = decode
        self._lines = LineSplitter()
        self._items: collections.deque[Any] = collections.deque()
        self._eof = False

    def next(self, timeout: float | None = None) -> Any:
        """The next command, ProtocolError or EOF; `queue.Empty` after `timeout` seconds."""
        while not self._items:
            if self._eof:
                return EOF
            if timeout is None and self._fill():  # the read itself waits: one call, not two
                continue
            ready, _, _ = select.select([self.fd], [], [], timeout)  # (a non-blocking fd)
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

    def _fill(self) -> bool:
        """Read what is there; False if nothing was (a non-blocking fd with no data)."""
        try:
            data = os.read(self.fd, CHUNK)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            data = b""
        if data:
            pieces = self._lines.feed(data)
        else:
            self._eof = True
            pieces = self._lines.finish()
        for piece in pieces:
            if isinstance(piece, ProtocolError):
                self._items.append(piece)
            else:
                self._line(piece)
        return True

    def _line(self, line: bytes) -> None:
        try:
            self._items.append(self.decode(line))
        except ProtocolError as exc:
            self._items.append(exc)
        except Exception as exc:  # noqa: BLE001 - a bad line is answered, never fatal
            self._items.append(ProtocolError(f"undecodable ({type(exc).__name__}: {exc})", line))
