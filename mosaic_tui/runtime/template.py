"""Built-in workers forked from a template process that has gymnasium and the families imported.

A fresh interpreter spends most of a worker's start importing gymnasium and an env family;
forked from a template that already has them (template_server.py), a worker starts in
milliseconds and shares those pages with its siblings instead of paying for them again. The
app hands the template the worker's three pipes over a Unix socket (`socket.send_fds`); the
child becomes exactly what a spawned worker is: its own session, the pipes as fds 0-2, its
environment, then its module run with its argv.

Only our own workers come this way (a command worker is any program: it is spawned), and only
where fork exists; `MOSAIC_TUI_TEMPLATE=0` spawns every worker afresh. If the template dies,
workers are spawned until it is started again.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from mosaic_tui.protocol import MAX_LINE_BYTES
from mosaic_tui.runtime.launcher import HEADLESS_SDL, boot_argv, boot_module

SWITCH = "MOSAIC_TUI_TEMPLATE"  # "0": spawn every worker afresh
ORPHAN_WAIT = 5.0  # seconds to learn how workers left by a dead template ended
FORK_TIMEOUT = 30.0  # its first answer waits for its imports; then a fork takes milliseconds
#: Imported once by the template: what workers import first (a missing one is skipped).
PRELOAD = (
    "numpy",
    "gymnasium",
    "minigrid",
    "pettingzoo.classic",
    "mosaic_tui.protocol",
    "worker_common.policies",
    "env_worker.runtime",
    "env_worker.cli",
    "baseline_worker.cli",
)


def available() -> bool:
    return (
        os.environ.get(SWITCH, "1") != "0"
        and sys.platform.startswith("linux")
        and hasattr(socket, "send_fds")
    )


#: The workers the template forks: ours, whose imports it has (any other module is spawned).
FORKED = ("env_worker", "baseline_worker", "llm_worker", "rl_worker")


def serves(argv: list[str]) -> str | None:
    """The module of one of our workers `argv` starts, when the template can start it as a
    spawn would: the interpreter's own settings (PYTHONPATH and the like, read once at start)
    must be what the template started with."""
    module = boot_module(argv)
    if module not in FORKED or not available():
        return None
    if _template is not None and _template.alive and _template.startup != _startup():
        return None
    return module


def _startup() -> dict[str, str]:
    """The variables an interpreter reads when it starts, as they are now."""
    return {k: v for k, v in os.environ.items() if k.startswith("PYTHON")}


class Template:
    """The template process and the app's end of its socket (one per app process)."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock = ours
        # It ends when this end of the socket closes: with the app, however the app ends. In
        # a session of its own, so a closed terminal's SIGHUP (sent to the app's foreground
        # group) does not kill it, and its workers with it, before the app stops them.
        self.process = subprocess.Popen(
            [*boot_argv("mosaic_tui.runtime.template_server"), str(theirs.fileno()), *PRELOAD],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            pass_fds=(theirs.fileno(),),
            start_new_session=True,
            env={**os.environ, **HEADLESS_SDL},  # the SDL part of every worker's environment
        )
        theirs.close()
        self.startup = _startup()
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future[int]] = {}
        self.workers: dict[int, TemplateWorker] = {}
        self.loop: asyncio.AbstractEventLoop | None = None

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def listen(self, loop: asyncio.AbstractEventLoop) -> None:
        """Read the template's answers on this loop (a new `asyncio.run` brings a new one)."""
        if self.loop is loop:
            return
        if self.loop is not None and not self.loop.is_closed():
            self.loop.remove_reader(self.sock.fileno())
        self.sock.setblocking(False)
        loop.add_reader(self.sock.fileno(), self._answers)
        self.loop = loop

    def _answers(self) -> None:
        while True:
            try:
                data = self.sock.recv(1 << 16)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:  # the template died: whoever waits is told, later workers spawn
                assert self.loop is not None
                self.loop.remove_reader(self.sock.fileno())
                for future in self.pending.values():
                    if not future.done():
                        future.set_exception(OSError("the template process ended"))
                self.pending.clear()
                # Its workers die with it (their lifeline is the template) and come to us, the
                # subreaper: how each ended is learnt here now, not from the template.
                orphans, self.workers = self.workers, {}
                for worker in orphans.values():
                    worker.orphaned = True
                if orphans:
                    _reap(self.loop, orphans, time.monotonic() + ORPHAN_WAIT)
                return
            answer = json.loads(data)
            if "exit" in answer:
                worker = self.workers.pop(answer["exit"], None)
                if worker is not None:
                    worker.exited(int(answer["code"]))
                continue
            future = self.pending.pop(answer.get("id"), None)
            if future is None or future.done():
                continue
            if "pid" in answer:
                future.set_result(int(answer["pid"]))
            else:
                future.set_exception(OSError(answer.get("error", "the template refused")))

    async def fork(self, module: str, args: list[str], env: dict[str, str], fds: list[int]) -> int:
        loop = asyncio.get_running_loop()
        self.listen(loop)
        request = next(self.ids)
        answer = self.pending[request] = loop.create_future()
        # the whole environment, as now: a spawn would get it (the template's is from its start)
        env = {**os.environ, **env}
        message = json.dumps({"id": request, "module": module, "args": args, "env": env})
        socket.send_fds(self.sock, [message.encode()], fds)
        try:
            return await asyncio.wait_for(answer, FORK_TIMEOUT)
        except asyncio.TimeoutError:
            self.pending.pop(request, None)
            raise OSError(f"the template did not fork within {FORK_TIMEOUT:g} s") from None

    def close(self) -> None:
        self.sock.close()
        if self.alive:
            self.process.kill()
            self.process.wait(5)


_lock = threading.Lock()
_template: Template | None = None


def template() -> Template:
    """The running template, started (again) if need be."""
    global _template
    with _lock:
        if _template is None or not _template.alive:
            if _template is not None:
                _template.close()
            _template = Template()
            atexit.register(_template.close)
        return _template


def warm() -> None:
    """Start the template now (its imports take about a second), if workers will use it."""
    from mosaic_tui.runtime import spawn

    if available() and spawn.default_spawn is spawn.auto_spawn:
        template()


def _reap(
    loop: asyncio.AbstractEventLoop, orphans: dict[int, TemplateWorker], until: float
) -> None:
    """Tell each orphaned worker's handle how it ended, as its exit reaches us."""
    for pid, worker in list(orphans.items()):
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # not ours to reap (no subreaper here): gone is enough
            try:
                os.kill(pid, 0)
                continue
            except ProcessLookupError:
                code = -signal.SIGKILL  # what its lifeline sends when the template dies
        else:
            if done != pid:
                continue
            code = os.waitstatus_to_exitcode(status)
        del orphans[pid]
        worker.exited(code)
    if orphans and time.monotonic() < until:
        loop.call_later(0.05, _reap, loop, orphans, until)


class TemplateWorker:
    """A forked worker behind pipes, with the face of an `asyncio.subprocess.Process`."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self.returncode: int | None = None
        self.orphaned = False  # the template died first (and took this worker with it)
        self.stdin: asyncio.StreamWriter | None = None
        self.stdout: asyncio.StreamReader | None = None
        self.stderr: asyncio.StreamReader | None = None
        self._exited: asyncio.Future[int] | None = None

    async def start(self, module: str, args: list[str], env: dict[str, str]) -> TemplateWorker:
        loop = asyncio.get_running_loop()
        to_child, to_us, errors = os.pipe(), os.pipe(), os.pipe()
        host = template()
        self._exited = loop.create_future()
        try:
            self.pid = await host.fork(module, args, env, [to_child[0], to_us[1], errors[1]])
        except BaseException:
            for fd in (*to_child, *to_us, *errors):
                os.close(fd)
            raise
        finally:
            for fd in (to_child[0], to_us[1], errors[1]):  # the child's ends: its own now
                os.close(fd)
        host.workers[self.pid] = self
        self.stdout = asyncio.StreamReader(limit=MAX_LINE_BYTES, loop=loop)
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(self.stdout), os.fdopen(to_us[0], "rb", 0)
        )
        self.stderr = asyncio.StreamReader(limit=MAX_LINE_BYTES, loop=loop)
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(self.stderr), os.fdopen(errors[0], "rb", 0)
        )
        transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(to_child[1], "wb", 0)
        )
        self.stdin = asyncio.StreamWriter(transport, protocol, None, loop)
        return self

    def exited(self, code: int) -> None:
        self.returncode = code
        if self._exited is not None and not self._exited.done():
            self._exited.set_result(code)

    async def wait(self) -> int:
        assert self._exited is not None
        return await asyncio.shield(self._exited)


async def template_spawn(module: str, argv: list[str], env: dict[str, str]) -> Any:
    return await TemplateWorker().start(module, argv[3:], env)
