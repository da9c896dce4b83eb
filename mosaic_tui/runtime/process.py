"""One worker subprocess on asyncio: started, asked (requests with timeouts), stopped.

How the worker is started is a seam (`spawn.py`); everything after the spawn — handshake,
requests, timeouts, errors, stopping — is this module's and the same either way. What the
worker writes is taken in by `WorkerOutput` (worker_output.py).

The worker runs in its own process group, so stopping it (stop -> terminate -> kill) takes its
children too, and an exit hook kills any group still alive when the app quits. A worker that
dies, hangs or prints garbage becomes a `WorkerError` that names the worker, the cause, the
last lines of its log and where the log is.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import logging
import os
import signal
import time
from pathlib import Path
from typing import TypeVar

from mosaic_tui.protocol import (
    PROTOCOL_VERSION,
    Command,
    Error,
    Event,
    Init,
    ProtocolError,
    Stop,
    encode,
)
from mosaic_tui.protocol.dialect import (
    NATIVE,
    REFERENCE,
    encode_reference,
)
from mosaic_tui.protocol.frames import FrameRequest
from mosaic_tui.protocol.stdio import PARENT_VARIABLE
from mosaic_tui.runtime import decoding, remote
from mosaic_tui.runtime import spawn as spawning
from mosaic_tui.runtime.line_feed import take_over
from mosaic_tui.runtime.reaper import TAG_VARIABLE, kill_tagged
from mosaic_tui.runtime.spawn import Spawn, killpg, signal_group
from mosaic_tui.runtime.worker_errors import CommandRejected, WorkerError, WorkerTimeout
from mosaic_tui.runtime.worker_log import CappedLog, secret_values
from mosaic_tui.runtime.worker_output import EOF, WorkerOutput

E = TypeVar("E", bound=Event)
log = logging.getLogger(__name__)


__all__ = ["CommandRejected", "WorkerError", "WorkerProcess", "WorkerTimeout"]

_LIVE: set[WorkerProcess] = set()
_TAGS = itertools.count(1)
LOG_HEAD_BYTES = 1024 * 1024  # a worker's log keeps its first MiB ...
LOG_TAIL_BYTES = 4 * 1024 * 1024  # ... and its latest 4 to 8 MiB
EXIT_WAIT = 2.0  # seconds to learn how a worker that closed its pipes ended
#: With dialect "auto", a worker silent this long after it starts is taken to speak the
#: reference's dialect (chess_worker prints nothing until asked).
AUTO_QUIET = 20.0


class WorkerProcess(WorkerOutput):
    def __init__(
        self,
        argv: list[str],
        *,
        name: str,
        log_path: Path | None = None,
        env: dict[str, str] | None = None,
        strict: bool = True,
        expects_init: bool = True,
        spawn: Spawn | None = None,
        dialect: str = NATIVE,
        frame: FrameRequest | None = None,
        host: str | None = None,
    ) -> None:
        super().__init__(name, strict=strict, dialect=dialect, frame=frame)  # (see `_handshake`)
        self.argv = argv
        self.host = host  # started there through ssh (runtime/remote.py); None: here
        self.spawn = spawn  # None: `spawn.default_spawn` when it starts
        self.log_path = log_path
        self.env = env
        self.expects_init = expects_init
        self.init: Init | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._req = itertools.count(1)
        self._forgotten: set[int] = set()  # requests whose answers nobody waits for
        self._closed = False
        self.tag = f"{os.getpid()}-{next(_TAGS)}"  # marks this worker's descendants

    # ------------------------------------------------------------------ lifecycle

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        return self._proc.returncode if self._proc else None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    async def start(self, timeout: float = 60.0) -> Init | None:
        """Spawn the worker; with `expects_init`, wait for its `init` event."""
        env = {
            **(self.env or {}),
            PARENT_VARIABLE: str(os.getpid()),  # the worker dies with this process
            TAG_VARIABLE: self.tag,  # inherited by its descendants, however they detach
        }
        self._secrets = secret_values({**os.environ, **env})
        where: remote.Host | None = None  # a remote worker's host settings (hosts.toml's)
        unusable: remote.HostError | None = None
        if self.host:
            try:
                where = remote.host(self.host)
            except remote.HostError as exc:
                unusable = exc
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = CappedLog(self.log_path, LOG_HEAD_BYTES, LOG_TAIL_BYTES)
            self._log.write(
                f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} start"
                f" {self.redact(self._started(where))}\n"
            )
            self._flush_soon()
        if unusable is not None:
            failed = self.error(f"could not start {self.name}: {unusable}")
            await self._close()  # nothing was started: the log is closed here
            raise failed
        spawn: Spawn = (
            remote.RemoteSpawn(where) if where is not None else self.spawn or spawning.default_spawn
        )
        try:
            self._proc = await spawn(self.argv, env)
        except OSError as exc:
            raise self.error(f"could not start {self.name}: {exc}") from exc
        except remote.HostError as exc:
            raise self.error(f"could not start {self.name}: {exc}") from None
        _LIVE.add(self)
        self._tasks = [asyncio.create_task(self._read_stderr(), name=f"{self.name}-stderr")]
        assert self._proc.stdout is not None
        if self.dialect == NATIVE:  # each line decoded as it arrives (line_feed.py)
            take_over(self._proc.stdout, self._take_piece, self._ended)
        else:  # the reference's frames are decoded off the loop: a reader task awaits them
            self._tasks.append(asyncio.create_task(self._read_stdout(), name=f"{self.name}-stdout"))
        if self.expects_init or self.dialect != NATIVE:
            try:
                self.init = await self._handshake(timeout)
            except BaseException:  # a failed start leaves no process and no reader behind
                await self.stop(grace=0.2, term_grace=0.5)
                raise
        return self.init

    def _started(self, where: remote.Host | None) -> str:
        """The log's start line: the command line, and for a remote worker where it runs and
        with which python (not our interpreter, which does not run it)."""
        if where is not None:
            return where.shown(self.argv)
        if self.host:  # its settings are unusable: the error that follows says why
            return f"on {self.host}: {_shown(self.argv)}"
        return _shown(self.argv)

    async def _handshake(self, timeout: float) -> Init | None:
        if self.dialect != NATIVE:  # it may send ~1 MB frames: their decoder gets ready
            decoding.warm()
        if self.dialect == REFERENCE:  # its init line, if it sends one, is read and logged
            return None
        if self.dialect == "auto":
            try:
                event = await self.next_event(
                    min(timeout, AUTO_QUIET), waiting_for="its first line"
                )
            except WorkerTimeout:
                self.dialect = REFERENCE
                self._note(
                    f"nothing on stdout for {min(timeout, AUTO_QUIET):g} s: taken to speak the"
                    " reference's dialect (set dialect = 'mosaic' to skip this wait)"
                )
                return None
            if self.dialect == REFERENCE:
                self._note("no init with a protocol number: speaking the reference's dialect")
                if isinstance(event, Init):
                    return event
                self._note(f"{event.kind!r} before any command: kept in this log only")
                return None
            self._note("init with a protocol number: speaking mosaic-tui's protocol")
        else:
            event = await self.next_event(timeout, waiting_for="its init event")
        if not isinstance(event, Init):
            raise self.error(f"{self.name} sent {event.kind!r} before init")
        if event.protocol > PROTOCOL_VERSION:
            raise self.error(
                f"{self.name} speaks protocol {event.protocol}, this app speaks"
                f" {PROTOCOL_VERSION}; upgrade mosaic-tui (pip install -U mosaic-tui)"
            )
        return event

    async def stop(self, grace: float = 2.0, term_grace: float = 2.0) -> int | None:
        """Ask politely, then SIGTERM the group, then SIGKILL it. Returns the exit code."""
        proc = self._proc
        if proc is None:
            return None
        if proc.returncode is None:
            try:
                await self.send(Stop())
                if proc.stdin is not None:
                    proc.stdin.close()  # EOF as well: workers exit on either
                await asyncio.wait_for(proc.wait(), grace)
            except (WorkerError, asyncio.TimeoutError, ConnectionError):
                pass
        for sig, wait in ((signal.SIGTERM, term_grace), (signal.SIGKILL, 5.0)):
            if proc.returncode is not None:
                break
            signal_group(proc, sig)
            try:
                await asyncio.wait_for(proc.wait(), wait)
            except asyncio.TimeoutError:
                continue
        if proc.pid is not None:
            killpg(proc.pid, signal.SIGKILL)  # grandchildren left in the group, if any
            try:  # and those that left the group (setsid); /proc is read off the event loop
                await asyncio.to_thread(kill_tagged, self.tag)
            except RuntimeError:  # the loop's executor is shut down (interpreter exit)
                kill_tagged(self.tag)
        await self._close()
        return proc.returncode

    async def _close(self) -> None:
        if self._closed:
            return
        self._closed = True
        _LIVE.discard(self)
        for task in self._tasks:
            if not task.done():
                try:
                    await asyncio.wait_for(asyncio.shield(task), 1.0)
                except (asyncio.TimeoutError, asyncio.CancelledError):
                    task.cancel()
        if self._proc is not None and self._proc.stdin is not None:
            self._proc.stdin.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    # ------------------------------------------------------------------ messages

    async def send(self, command: Command) -> int:
        """Write a command; returns its request number."""
        if not self.alive or self._proc is None or self._proc.stdin is None:
            raise self.error(f"{self.name} is not running ({self._exit_text()})")
        if getattr(command, "req", None) is None:
            command.req = next(self._req)  # type: ignore[attr-defined]
        try:
            line = encode(command) if self.dialect == NATIVE else encode_reference(command)
            stdin = self._proc.stdin
            stdin.write(line)
            transport = getattr(stdin, "transport", None)
            if transport is None or transport.get_write_buffer_size() or transport.is_closing():
                await stdin.drain()  # the pipe is full (or gone): wait, or learn why
        except (ConnectionError, BrokenPipeError) as exc:
            # Usually the worker died: give the exit a moment to be reaped, so the message
            # says how it ended (killed by SIGKILL, exit code 1) rather than "still running".
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._proc.wait()), EXIT_WAIT)
            raise self.error(f"{self.name} closed its input ({exc}); {self._exit_text()}") from exc
        return command.req  # type: ignore[attr-defined]

    async def next_event(
        self,
        timeout: float | None = None,
        *,
        waiting_for: str = "an event",
        budget: float | None = None,
    ) -> Event:
        """The next event; `budget` is the whole wait to name in a timeout message."""
        try:
            item = await self._events.get(timeout)
            while self._forgotten and _forgotten(item, self._forgotten):
                self._forgotten.discard(item.req)  # an answer nobody waits for
                item = await self._events.get(timeout)
        except asyncio.TimeoutError:
            self._flush_log()
            if self.skipped:
                seen = f"; what it did print on stdout is not the protocol: {self.skipped!r}"
            elif self.host:  # silence over ssh: the link may be what hangs
                seen = (
                    f": the worker or its ssh connection to {self.host} may be hung;"
                    f" `mosaic-tui doctor {self.host}` checks the connection"
                    " (its log may say why)"
                )
            else:
                seen = "; it may be hung (its log may say why)"
            raise WorkerTimeout(
                self.redact(
                    f"{self.name} did not send {waiting_for} within {budget or timeout:g} s"
                    + seen
                ),
                worker=self.name,
                log_path=self.log_path,
                log_tail=self._tail,
            ) from None
        if item is EOF:
            self._events.put_nowait(EOF)  # every later read fails the same way
            if self._proc is not None:
                await self._proc.wait()
            raise self.error(
                f"{self.name} exited while mosaic-tui waited for {waiting_for}"
                f" ({self._exit_text()})"
            )
        if isinstance(item, ProtocolError):
            raise self.error(f"{self.name} broke the protocol: {item}")
        if isinstance(item, Error) and item.fatal:
            raise self.error(f"{self.name} failed: {item.message}")
        return item

    async def request(self, command: Command, expect: type[E], timeout: float = 10.0) -> E:
        """Send a command and return its answer, typed: `request(Ping(), Pong)` is a `Pong`.

        A non-fatal error answer raises CommandRejected; answers to older requests (one that
        timed out, say) are skipped. Later answers to the same request stay queued.
        """
        req = await self.send(command)
        return await self.answer(req, command.kind, expect, timeout)

    async def answer(self, req: int, kind: str, expect: type[E], timeout: float = 10.0) -> E:
        """The answer to request `req` (a `kind` command sent earlier), as `request` takes it;
        requests sent after it may be in flight meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            left = max(0.0, deadline - time.monotonic())
            event = await self.next_event(
                left, waiting_for=f"an answer to {kind!r}", budget=timeout
            )
            if event.req != req and not (event.req is None and self.dialect != NATIVE):
                # (reference workers echo no request ids: any answer is theirs)
                self._note(f"skipped {event.kind!r} (req {event.req}) while waiting for req {req}")
                continue
            if isinstance(event, Error):
                raise CommandRejected(event, self)
            if isinstance(event, expect):
                return event
            self._note(f"unexpected {event.kind!r} answer to {kind!r}")

    async def ended_unasked(self) -> WorkerError:
        """The error of a worker whose output ended while nothing was asked of it (an
        operator paused, a human thinking): how it ended, once its exit is known."""
        if self._proc is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._proc.wait()), EXIT_WAIT)
        if self.returncode is None:
            return self.error(f"{self.name} closed its output between requests (still running)")
        return self.error(f"{self.name} exited between requests ({self._exit_text()})")

    def forget(self, req: int) -> None:
        """Nobody waits for request `req`'s answer any more (a step sent ahead that found its
        episode over): it is dropped when it comes, whoever reads next."""
        self._forgotten.add(req)

    def error(self, message: str) -> WorkerError:
        self._flush_log()  # whoever reads this error may open the log next
        return WorkerError(
            self.redact(message),
            worker=self.name,
            log_path=self.log_path,
            log_tail=self._tail,
            returncode=self.returncode,
        )

    def _exit_text(self) -> str:
        text = self._how_it_ended()
        if getattr(self._proc, "orphaned", False):
            text += ", as the template process it was forked from had ended"
        return text

    def _how_it_ended(self) -> str:
        code = self.returncode
        if code is None:
            return "still running"
        if self.host and (over_ssh := remote.exit_text(self.host, code)):
            return over_ssh
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"


def _forgotten(item: object, forgotten: set[int]) -> bool:
    """An answer to a forgotten request, and not news that the worker is broken (a line that
    is not a message, a fatal error): those still reach whoever reads next."""
    if not isinstance(item, Event) or (isinstance(item, Error) and item.fatal):
        return False
    return item.req in forgotten


def _shown(argv: list[str]) -> str:
    """The command line for the log: the launcher's start-up code shown as the `-m` it stands
    for (it is `python -m MODULE` without the working directory on sys.path)."""
    if len(argv) > 2 and argv[1] == "-c" and "run_module" in argv[2]:
        module = argv[2].rsplit("run_module(", 1)[1].split(",", 1)[0].strip("'\"")
        argv = [argv[0], "-m", module, *argv[3:]]
    return " ".join(argv)


@atexit.register
def _kill_leftovers() -> None:
    """Quitting never leaves orphans, whatever path the app took to exit."""
    for worker in list(_LIVE):
        if worker.pid is not None:
            killpg(worker.pid, signal.SIGKILL)
        kill_tagged(worker.tag)
