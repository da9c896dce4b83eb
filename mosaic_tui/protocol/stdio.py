"""The worker's end of the pipe: protocol on a private copy of stdout, commands from stdin.

Environments print to stdout (BabyAI on reset, pygame on import). `WorkerChannel` duplicates
file descriptor 1 for the protocol and then points fd 1 at stderr, so any stray print — from
Python or from C — lands in the worker's log instead of corrupting a message.
"""

from __future__ import annotations

import io
import os
import queue
import select
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import BinaryIO

from mosaic_tui.protocol.codec import MAX_LINE_BYTES, ProtocolError, decode_command, encode
from mosaic_tui.protocol.command_reader import CommandReader
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
Streams = tuple[BinaryIO, BinaryIO]  # a worker's (stdin, stdout) when not its own process's


class WorkerChannel:
    """Reads commands where they are handled (or, from a stream with no file descriptor, on a
    thread), lets a streaming loop poll for them, and writes events atomically."""

    def __init__(
        self,
        stdin: BinaryIO | None = None,
        stdout: BinaryIO | None = None,
        *,
        frame_encoding: str = "zlib",
        lifeline: bool | None = None,
    ) -> None:
        # A real worker (on the process's own stdin) dies with the app; a test's channel on
        # in-memory streams must not arm that on the test process.
        self._lifeline = stdin is None if lifeline is None else lifeline
        if self._lifeline:
            die_with_parent()
        self._out = stdout if stdout is not None else claim_stdout()
        # Our own reader on fd 0: a daemon thread blocked in sys.stdin's buffer holds its lock
        # and makes interpreter shutdown abort ("_enter_buffered_busy").
        self._in = (
            stdin if stdin is not None else io.BufferedReader(io.FileIO(0, "rb", closefd=False))
        )
        self._lock = threading.Lock()
        self.frame_encoding = frame_encoding
        self.scrub: Callable[[str], str] | None = None  # masks secrets in error messages
        # SimpleQueue: half the cost of Queue's Condition for each command handed over
        self._queue: queue.SimpleQueue[Command | ProtocolError | None] = queue.SimpleQueue()
        fd = _fileno(self._in)
        if fd is not None:  # read by the thread that handles the commands: no hand-over
            self._reader: CommandReader | None = CommandReader(fd)
            if self._lifeline:  # app gone while we are busy: noticed without reading stdin
                threading.Thread(target=_watch_hangup, args=(fd,), daemon=True).start()
        else:
            self._reader = None
            self._thread = threading.Thread(target=self._read, name="commands", daemon=True)
            self._thread.start()

    def send(self, message: Message) -> None:
        if self.scrub is not None and isinstance(message, Error):
            message.message = self.scrub(message.message)
        line = encode(message, frame_encoding=self.frame_encoding)
        with self._lock:
            self._out.write(line)
            self._out.flush()

    def receive(self, timeout: float | None = None) -> Command | ProtocolError | None:
        """Next command, a ProtocolError for a bad line, or EOF (None) when stdin closed.

        With a timeout, raises `queue.Empty` if nothing arrived.
        """
        if self._reader is not None:
            return self._reader.next(timeout)
        return self._queue.get(timeout=timeout)

    def poll(self) -> Command | ProtocolError | None | bool:
        """A waiting command without blocking, or False if there is none."""
        if self._reader is not None:
            return self._reader.poll()
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
                    req = getattr(cmd, "req", None)
                    self.send(Error(message=str(exc), code="bad_command", cmd=cmd.kind, req=req))
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
                if self._lifeline:
                    _exit_soon_after_eof()
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


def _fileno(stream: BinaryIO) -> int | None:
    """The stream's file descriptor, if it has one (a pipe, a tty, a file)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return None
    return fd  # nothing has been read through `stream` itself: its buffer is empty


def _watch_hangup(fd: int) -> None:
    """Wait until the app's end of stdin is closed (poll with no events: only a hang-up or an
    error wakes it; the commands are left to the worker), then end the worker soon after."""
    watch = select.poll()
    watch.register(fd, 0)
    while True:
        try:
            events = watch.poll()
        except InterruptedError:
            continue
        if any(mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, mask in events):
            break
    _exit_soon_after_eof()


# ----------------------------------------------------------------------------- lifeline
# A worker must not outlive the app: not when the app is SIGKILLed while the worker is hung,
# busy in a long env call, or stopped (SIGSTOP), and not when the app exits without stopping it.

PR_SET_PDEATHSIG = 1
PARENT_VARIABLE = "MOSAIC_TUI_PARENT_PID"  # set by the app: the pid the worker must die with
EOF_GRACE_VARIABLE = "MOSAIC_TUI_EOF_GRACE"
EOF_GRACE = 10.0  # seconds a worker may go on after stdin closed before it kills itself


def die_with_parent() -> None:
    """Linux: the kernel SIGKILLs this process when its parent dies (a stopped or busy process
    too). The parent may already be gone when this runs: then exit at once."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl here: the EOF watchdog still works
            pass
    expected = os.environ.pop(PARENT_VARIABLE, "")  # not inherited by our own children
    if expected.isdigit() and os.getppid() != int(expected) and not pid_alive(int(expected)):
        os._exit(0)  # the app died before the signal was armed (a wrapper in between is fine)


def pid_alive(pid: int) -> bool:
    """A process with this pid exists (someone else's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process (or a pid this system cannot hold): not gone
    return True


def _exit_soon_after_eof() -> None:
    """Stdin closed: the worker should be exiting (docs/protocol.md, rule 4). If it still runs
    after the grace time (hung in a step, say), kill it, and its process group when it leads
    one (the app starts every worker in its own session), so its children go too."""
    try:
        grace = float(os.environ.get(EOF_GRACE_VARIABLE, EOF_GRACE))
    except ValueError:
        grace = EOF_GRACE
    time.sleep(max(0.0, grace))
    print(f"stdin closed {grace:g} s ago and the worker still runs: killing it", file=sys.stderr)
    if os.getpgrp() == os.getpid():
        os.killpg(os.getpid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def claim_stdout() -> BinaryIO:
    """Keep fd 1 for the protocol only; everything else written to stdout goes to stderr."""
    sys.stdout.flush()
    private = os.dup(1)
    os.dup2(2, 1)  # sys.stdout still writes to fd 1, which now is stderr
    return os.fdopen(private, "wb", buffering=0)
