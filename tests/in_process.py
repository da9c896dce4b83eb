"""Workers run in the test process: the same worker code, the same pipes and protocol, no
subprocess start (each costs a Python start-up and the env's imports on a 2-core machine).

`in_process_spawn` is a `mosaic_tui.runtime.spawn.Spawn`: it runs the worker's `main` on a
thread with OS pipes for stdin and stdout, and hands `WorkerProcess` asyncio streams over them,
so handshake, decoding, timeouts and stopping are the production code's. Only workers that
need nothing from their environment variables run here (env_worker, baseline_worker); any
other command starts a real subprocess. A worker thread's stray prints and tracebacks go to
the test's own stderr, not to the worker's log. Tests that are about processes (signals,
orphans, kills, hangs, pids) or read a worker's log are marked `subprocess` and always get
real ones.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import threading
from collections.abc import Callable
from typing import Any

from mosaic_tui.protocol import MAX_LINE_BYTES
from mosaic_tui.protocol.stdio import PARENT_VARIABLE
from mosaic_tui.runtime import spawn
from mosaic_tui.runtime.launcher import worker
from mosaic_tui.runtime.reaper import TAG_VARIABLE

MODULE = re.compile(r"run_module\(['\"](\w+)['\"]")


def _entry(module: str) -> Callable[..., int] | None:
    if module == "env_worker":
        from env_worker.cli import main
    elif module == "baseline_worker":
        from baseline_worker.cli import main
    else:
        return None
    return main


def _module(argv: list[str]) -> str | None:
    if len(argv) > 2 and argv[1] == "-m":
        return argv[2]
    if len(argv) > 2 and argv[1] == "-c":
        found = MODULE.search(argv[2])
        return found.group(1) if found else None
    return None


class InProcessWorker:
    """A worker thread behind pipes, with the face of an `asyncio.subprocess.Process`."""

    pid = None  # not a process: nothing to signal by pid

    def __init__(self) -> None:
        self.returncode: int | None = None
        self.stdin: asyncio.StreamWriter | None = None
        self.stdout: asyncio.StreamReader | None = None
        self.stderr: asyncio.StreamReader | None = None
        self._done: asyncio.Future[int] | None = None
        self._thread: threading.Thread | None = None

    async def start(self, main: Callable[..., int], args: list[str]) -> InProcessWorker:
        loop = asyncio.get_running_loop()
        self._done = loop.create_future()
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        err_r, err_w = os.pipe()
        os.close(err_w)  # the worker's stray prints share the test's stderr
        worker_in = os.fdopen(to_worker_r, "rb")
        worker_out = os.fdopen(from_worker_w, "wb", buffering=0)

        self.stdout = asyncio.StreamReader(limit=MAX_LINE_BYTES, loop=loop)
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(self.stdout), os.fdopen(from_worker_r, "rb", 0)
        )
        self.stderr = asyncio.StreamReader(loop=loop)
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(self.stderr), os.fdopen(err_r, "rb", 0)
        )
        transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(to_worker_w, "wb", 0)
        )
        self.stdin = asyncio.StreamWriter(transport, protocol, None, loop)

        def run() -> None:
            code = 1
            try:
                code = main(args, streams=(worker_in, worker_out))
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # noqa: BLE001 - a crash is an exit code, as for a process
                import traceback

                traceback.print_exc()
            finally:
                # EOF on the app's side. The input is left to the worker's reader thread,
                # which ends at EOF when the app closes its end.
                worker_out.close()
                if not loop.is_closed():
                    loop.call_soon_threadsafe(self._exited, code)

        self._thread = threading.Thread(target=run, name=f"worker-{args[:1]}", daemon=True)
        self._thread.start()
        return self

    def _exited(self, code: int) -> None:
        self.returncode = code
        if self._done is not None and not self._done.done():
            self._done.set_result(code)

    async def wait(self) -> int:
        assert self._done is not None
        return await asyncio.shield(self._done)

    def signal_group(self, sig: int) -> None:
        """A thread cannot be killed: close its input, which every worker obeys (rule 4).
        A worker hung in a step is not stopped by that, so hang tests use real processes."""
        if self.stdin is not None and not self.stdin.is_closing():
            self.stdin.close()
        if sig == signal.SIGKILL and self.returncode is None:
            self._exited(-signal.SIGKILL)  # as the app sees it; the thread ends on its own


def _load_lazy_modules() -> None:
    """Workers here are threads of one process, and pygame imports `surfarray` through
    importlib's LazyLoader, which Python 3.11 does not guard against two threads: two
    FrozenLake workers drawing their first frames at once could see it half loaded
    (AttributeError: no `pixels3d`). Real workers are processes; load it once, up front."""
    try:
        import pygame
    except ImportError:
        return
    getattr(pygame.surfarray, "pixels3d", None)


async def in_process_spawn(argv: list[str], env: dict[str, str]) -> Any:
    _load_lazy_modules()
    module = _module(argv)
    main = _entry(module) if module else None
    own = {k: v for k, v in env.items() if k not in (PARENT_VARIABLE, TAG_VARIABLE)}
    if main is None or own != dict(worker(module).base_env if module else {}):  # type: ignore[arg-type]
        return await spawn.subprocess_spawn(argv, env)
    return await InProcessWorker().start(main, argv[argv.index("--run-id") :])
