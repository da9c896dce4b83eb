"""A reference worker's big lines, decoded in a helper process, off the event loop.

The reference sends every frame as JSON lists (~1 MB for 256x256). `json.loads` and numpy's
list conversion hold the GIL for their whole run, so a thread would stall the app's event
loop as long as decoding on it does (`python -m bench reference` measures both). One helper
process (`python -m mosaic_tui.protocol.dialect`), started with the first reference worker,
decodes and fits such frames; a thread only moves the bytes. Small lines are decoded in place,
and so is everything if the helper cannot run.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import struct
import subprocess
import threading
from typing import Any

from mosaic_tui.protocol import Event, FrameRequest, ProtocolError
from mosaic_tui.protocol.dialect import decode_reference
from mosaic_tui.protocol.stdio import PARENT_VARIABLE
from mosaic_tui.runtime.launcher import boot_argv

#: Lines longer than this go to the helper process.
POOL_BYTES = 64 * 1024


class _Helper:
    """The helper process, spoken to by one caller at a time (from any thread or loop)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                boot_argv("mosaic_tui.protocol.dialect"),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env={**os.environ, PARENT_VARIABLE: str(os.getpid())},
                start_new_session=True,  # a Ctrl-C in the terminal is the app's to handle
            )
        return self.proc

    def call(self, line: bytes, frame: FrameRequest | None) -> Any:
        with self.lock:
            proc = self.start()
            assert proc.stdin is not None and proc.stdout is not None
            data = pickle.dumps((line, frame), protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.write(struct.pack("<I", len(data)) + data)
            proc.stdin.flush()
            header = proc.stdout.read(4)
            if len(header) < 4:
                raise OSError("the decoding helper exited")
            return pickle.loads(proc.stdout.read(struct.unpack("<I", header)[0]))


_helper = _Helper()


def warm() -> None:
    """Start the helper now (a reference worker has just started): its first big line then
    does not wait for a Python start-up."""
    try:
        with _helper.lock:
            _helper.start()
    except OSError:
        pass


async def decode(line: bytes, frame: FrameRequest | None) -> tuple[Event, dict[str, Any]]:
    """A reference line as our event and its unmapped fields (ProtocolError if it is bad)."""
    if len(line) <= POOL_BYTES:
        return decode_reference(line, frame)
    try:
        event, unmapped, error = await asyncio.to_thread(_helper.call, bytes(line), frame)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError):  # the helper is gone
        _helper.proc = None
        return decode_reference(line, frame)
    if error is not None:
        raise ProtocolError(*error)
    return event, unmapped
