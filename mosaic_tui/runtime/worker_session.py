"""A worker process driven line by line, synchronously, with a timeout on every read.

The conformance kit's view of a worker: raw stdout lines (so stray prints are caught), a
thread per pipe, and the whole process group killed at the end, so a hung worker is a failed
check and never a hung kit. Pipes are read and written with os.read/os.write on their file
descriptors, never through Python's buffered files, whose lock would make closing a pipe wait
on a thread blocked reading it (as when a detached grandchild keeps the pipe open); the
worker's descendants, `setsid` daemons included, carry a tag that `kill` finds them by.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mosaic_tui.protocol import MAX_LINE_BYTES, PROTOCOL_VERSION, ProtocolError, decode_event
from mosaic_tui.protocol.stdio import PARENT_VARIABLE
from mosaic_tui.runtime.reaper import TAG_VARIABLE, become_subreaper, kill_tagged

SHOWN = 160  # characters of an offending line quoted in a message
WORKER_ENV = {  # what the app's catalogue gives the env worker: no window, no banner
    "SDL_VIDEODRIVER": "dummy",
    "SDL_AUDIODRIVER": "dummy",
    "PYGAME_HIDE_SUPPORT_PROMPT": "1",
}


@dataclass
class CheckTimeouts:
    """Seconds the kit waits; generous defaults, as a loaded machine is slow to import."""

    start: float = 60.0  # for `init` (imports, JIT warm-ups)
    reply: float = 30.0  # for each answer (the app's per-decision limit)
    exit: float = 10.0  # after `stop` or stdin EOF


class CheckFailed(Exception):
    """Raised inside a check: the message tells the author what to fix."""


def compact(value: Any) -> str:
    """An event as one line of JSON, as the worker might have written it."""
    return json.dumps(value, separators=(",", ":"))


def shown(line: bytes | str) -> str:
    """An offending line, truncated, as a Python literal (control characters escaped)."""
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    text = text.rstrip("\r\n")
    if len(text) > SHOWN:
        text = text[:SHOWN] + f"... ({len(text)} chars)"
    return repr(text)


def read_lines(fd: int, limit: int, put: Callable[[bytes], None]) -> None:
    """Lines from `fd` to `put` until EOF, as `readline(limit + 1)` cuts them, but read with
    os.read: no file lock is held, so another thread may give up on the pipe at any time."""
    buffer = bytearray()
    try:
        while data := os.read(fd, 1 << 16):
            buffer += data
            while (end := buffer.find(b"\n", 0, limit + 1)) >= 0 or len(buffer) > limit:
                cut = end + 1 if end >= 0 else limit + 1
                put(bytes(buffer[:cut]))
                del buffer[:cut]
    except OSError:  # closed under us
        pass
    if buffer:
        put(bytes(buffer))


class Session:
    """One worker process, spoken to synchronously; every read has a timeout."""

    def __init__(self, argv: list[str], timeouts: CheckTimeouts, stray: list[bytes]) -> None:
        self.argv = argv
        self.timeouts = timeouts
        self.stray = stray  # stdout lines that are not protocol events, shared by the run
        self.req = 0
        self.misechoed: list[str] = []  # replies whose req was wrong
        self.init: dict[str, Any] | None = None
        self.tag = f"check-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        env = {
            **os.environ,
            **WORKER_ENV,
            PARENT_VARIABLE: str(os.getpid()),
            TAG_VARIABLE: self.tag,  # inherited by its descendants, however they detach
        }
        become_subreaper()  # a detached descendant comes back to us, to be killed and reaped
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                start_new_session=True,  # one group: killing it takes the worker's children
            )
        except OSError as exc:
            raise CheckFailed(f"could not start {' '.join(argv)!r}: {exc}") from exc
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._stderr: list[bytes] = []
        self._writes: queue.Queue[tuple[bytes, threading.Event] | None] = queue.Queue()
        self._pumper = threading.Thread(target=self._pump, daemon=True)
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._writer = threading.Thread(target=self._write, daemon=True)
        for thread in (self._pumper, self._drainer, self._writer):
            thread.start()

    # ------------------------------------------------------------------ plumbing

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        read_lines(self.proc.stdout.fileno(), MAX_LINE_BYTES, self._lines.put)
        self._lines.put(None)

    def _drain(self) -> None:
        assert self.proc.stderr is not None

        def keep(line: bytes) -> None:
            self._stderr.append(line[-2000:])
            del self._stderr[:-40]

        read_lines(self.proc.stderr.fileno(), 1 << 16, keep)

    def _write(self) -> None:
        """Writes queued data; at the end of the queue closes stdin (EOF for the worker)."""
        assert self.proc.stdin is not None
        fd = self.proc.stdin.fileno()
        while (item := self._writes.get()) is not None:
            data, done = item
            view = memoryview(data)
            try:
                while view:
                    view = view[os.write(fd, view) :]
            except OSError:
                pass  # the worker is gone; the next read says so
            done.set()
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def log_tail(self, lines: int = 5) -> str:
        text = b"".join(self._stderr).decode("utf-8", "replace").rstrip().splitlines()[-lines:]
        return ("; its stderr ended: " + " | ".join(t[:200] for t in text)) if text else ""

    def send_raw(self, data: bytes, timeout: float | None = None) -> None:
        done = threading.Event()
        self._writes.put((data, done))
        if not done.wait(timeout or self.timeouts.reply):
            raise CheckFailed(
                "the worker stopped reading stdin (a write did not finish in"
                f" {timeout or self.timeouts.reply:g} s): read stdin on its own thread or"
                " answer each line before the next"
            )

    def send(self, message: dict[str, Any], req: bool = True) -> int | None:
        """Send a command with the next request number; returns that number."""
        number = None
        if req:
            self.req += 1
            number = self.req
            message = {**message, "req": number}
        self.send_raw(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        return number

    def read(self, timeout: float | None = None, waiting_for: str = "an answer") -> dict[str, Any]:
        """The next protocol event (skipping `progress`); a non-protocol line fails the check."""
        limit = timeout if timeout is not None else self.timeouts.reply
        deadline = time.monotonic() + limit
        exited: float | None = None  # when the worker was first seen gone, its stdout open
        while True:
            try:
                line = self._lines.get(timeout=min(0.25, max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                now = time.monotonic()
                if now >= deadline:
                    raise CheckFailed(
                        f"no answer within {limit:g} s while waiting for {waiting_for}"
                        f"{self.log_tail()}"
                    ) from None
                if exited is None and self.proc.poll() is not None:
                    exited = now
                elif exited is not None and now - exited > 1.0:
                    raise CheckFailed(
                        f"the worker exited (exit code {self.proc.returncode}) while the kit"
                        f" waited for {waiting_for}, and a process it started still holds its"
                        " stdout open: close stdout in children you detach"
                        f"{self.log_tail()}"
                    ) from None
                continue
            if line is None:
                self._lines.put(None)
                code = self.wait_exit(2.0)
                # its last words (a traceback) may still be on their way through stderr
                self._drainer.join(2.0)
                raise CheckFailed(
                    f"the worker closed stdout (exit code {code}) while the kit waited for"
                    f" {waiting_for}{self.log_tail()}"
                )
            if not line.strip():
                continue
            try:
                decode_event(line)
                event = json.loads(line)
            except (ProtocolError, ValueError) as exc:
                self.stray.append(line)
                reason = exc.reason if isinstance(exc, ProtocolError) else str(exc)
                raise CheckFailed(
                    f"stdout line {shown(line)} is not a protocol event ({reason}) while the"
                    f" kit waited for {waiting_for}: write only protocol lines to stdout"
                    " (docs/protocol.md, rule 1)"
                ) from None
            if event.get("type") == "progress":
                continue
            return event

    def request(
        self, message: dict[str, Any], expect: str | None = None, what: str = ""
    ) -> dict[str, Any]:
        """Send, read the answer, note a wrong `req`; with `expect`, the answer's type."""
        number = self.send(message)
        what = what or f"the answer to {message.get('cmd')!r}"
        event = self.read(waiting_for=what)
        if event.get("req") != number:
            self.misechoed.append(
                f"{message.get('cmd')!r} sent with req {number} was answered by"
                f" {event.get('type')!r} with req {event.get('req')!r}"
            )
        if expect is not None and event.get("type") != expect:
            raise CheckFailed(
                f"{message.get('cmd')!r} was answered by {shown(compact(event))};"
                f" expected {expect!r}"
            )
        return event

    def start(self) -> dict[str, Any]:
        """Read the `init` event (the first protocol line)."""
        event = self.read(self.timeouts.start, waiting_for="its init event")
        if event.get("type") != "init":
            raise CheckFailed(
                f"the first line was {shown(compact(event))}; a worker's first line must be"
                f' an init event, e.g. {{"type":"init","protocol":{PROTOCOL_VERSION},'
                '"worker":"my_worker","role":"decision"}'
            )
        self.init = event
        return event

    def close_stdin(self) -> None:
        """EOF for the worker, once what was sent is written (the writer closes the pipe)."""
        self._writes.put(None)
        self._writer.join(self.timeouts.reply)

    def wait_exit(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def events_left(self, timeout: float = 0.5) -> list[bytes]:
        """Lines written after the last read (until EOF or a quiet spell)."""
        lines = []
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                return lines
            if line is None:
                self._lines.put(None)
                return lines
            lines.append(line)

    def kill(self) -> None:
        """Kill the worker, its process group and every tagged descendant; never blocks for
        long, even when a detached grandchild holds the pipes open."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        try:  # grandchildren left in the group
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        kill_tagged(self.tag)  # and those that left it (setsid): they held the pipes
        self._writes.put(None)
        for thread, stream in (
            (self._writer, None),  # it closes stdin itself
            (self._pumper, self.proc.stdout),
            (self._drainer, self.proc.stderr),
        ):
            thread.join(0.5)
            # A pipe a thread still reads stays open (an untagged daemon holds it): closing
            # it under a read could hand its descriptor number to the next file opened.
            if stream is not None and not thread.is_alive():
                try:
                    stream.close()
                except OSError:
                    pass
