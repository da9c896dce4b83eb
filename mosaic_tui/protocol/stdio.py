"""The worker's end of the pipe: protocol on a private copy of stdout, commands from stdin.

Environments print to stdout (BabyAI on reset, pygame on import). `WorkerChannel` duplicates
file descriptor 1 for the protocol and then points fd 1 at stderr, so any stray print — from
Python or from C — lands in the worker's log instead of corrupting a message.
"""

from __future__ import annotations

import io
import os
import queue
import sys
import threading
import traceback
from collections.abc import Callable
from typing import BinaryIO

from mosaic_tui.protocol.codec import MAX_LINE_BYTES, ProtocolError, decode_command, encode
from mosaic_tui.protocol.limits import BadCommand
from mosaic_tui.protocol.messages import (
    PROTOCOL_VERSION,
    Command,
    Error,
    Init,
    Message,
    Stop,
    Stopped,
)

EOF = None  # what `commands()` yields when stdin closes


class WorkerChannel:
    """Reads commands on a thread (so a streaming loop can poll) and writes events atomically."""

    def __init__(
        self,
        stdin: BinaryIO | None = None,
        stdout: BinaryIO | None = None,
        *,
        frame_encoding: str = "zlib",
    ) -> None:
        self._out = stdout if stdout is not None else claim_stdout()
        # Our own reader on fd 0: a daemon thread blocked in sys.stdin's buffer holds its lock
        # and makes interpreter shutdown abort ("_enter_buffered_busy").
        self._in = (
            stdin if stdin is not None else io.BufferedReader(io.FileIO(0, "rb", closefd=False))
        )
        self._lock = threading.Lock()
        self.frame_encoding = frame_encoding
        self._queue: queue.Queue[Command | ProtocolError | None] = queue.Queue()
        self._thread = threading.Thread(target=self._read, name="commands", daemon=True)
        self._thread.start()

    def send(self, message: Message) -> None:
        line = encode(message, frame_encoding=self.frame_encoding)
        with self._lock:
            self._out.write(line)
            self._out.flush()

    def receive(self, timeout: float | None = None) -> Command | ProtocolError | None:
        """Next command, a ProtocolError for a bad line, or EOF (None) when stdin closed.

        With a timeout, raises `queue.Empty` if nothing arrived.
        """
        return self._queue.get(timeout=timeout)

    def poll(self) -> Command | ProtocolError | None | bool:
        """A waiting command without blocking, or False if there is none."""
        try:
            return self._queue.get_nowait()
        except queue.Empty:
            return False

    def reject(self, error: ProtocolError) -> None:
        self.send(Error(message=str(error), code="bad_command", req=error.req))

    def serve_decisions(self, worker: str, run_id: str, handle: Callable[[Command], None]) -> int:
        """A decision worker's whole life: `init`, then every command to `handle` until
        `stop` (answered `stopped`) or stdin closes; malformed lines are refused, not fatal."""
        self.send(
            Init(
                protocol=PROTOCOL_VERSION,
                worker=worker,
                role="decision",
                run_id=run_id,
                pid=os.getpid(),
            )
        )
        while True:
            cmd = self.receive()
            if cmd is None:
                return 0
            if isinstance(cmd, ProtocolError):
                self.reject(cmd)
            elif isinstance(cmd, Stop):
                self.send(Stopped(req=cmd.req))
                return 0
            else:
                try:
                    handle(cmd)
                except BadCommand as exc:
                    self.send(Error(message=str(exc), code="bad_command", cmd=cmd.kind, req=cmd.req))
                except Exception as exc:  # bad input must never end the worker: answer, go on
                    traceback.print_exc()  # to the worker's log
                    self.send(
                        Error(
                            message=f"{worker} could not handle {cmd.kind!r}:"
                            f" {type(exc).__name__}: {str(exc)[:300]}",
                            code="bad_command",
                            cmd=cmd.kind,
                            req=getattr(cmd, "req", None),
                        )
                    )

    def _read(self) -> None:
        while True:
            line = self._in.readline(MAX_LINE_BYTES + 1)
            if not line:
                self._queue.put(EOF)
                return
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                # Over the limit: drop the whole line, up to its newline, and answer once; a
                # tail run as a command of its own could be anything (`stop`, say).
                dropped = len(line) + self._skip_line()
                self._queue.put(
                    ProtocolError(
                        f"line of {dropped} bytes or more discarded: over the"
                        f" {MAX_LINE_BYTES}-byte limit",
                        line[:200],
                    )
                )
                continue
            if not line.strip():
                continue
            try:
                self._queue.put(decode_command(line))
            except ProtocolError as exc:
                self._queue.put(exc)
            except Exception as exc:  # never let the reader thread die: the worker would go deaf
                self._queue.put(ProtocolError(f"undecodable ({type(exc).__name__}: {exc})", line))

    def _skip_line(self) -> int:
        """Read and drop input up to the next newline (or EOF); the bytes dropped."""
        dropped = 0
        while True:
            chunk = self._in.readline(1 << 20)
            dropped += len(chunk)
            if not chunk or chunk.endswith(b"\n"):
                return dropped


def claim_stdout() -> BinaryIO:
    """Keep fd 1 for the protocol only; everything else written to stdout goes to stderr."""
    sys.stdout.flush()
    private = os.dup(1)
    os.dup2(2, 1)  # sys.stdout still writes to fd 1, which now is stderr
    return os.fdopen(private, "wb", buffering=0)
