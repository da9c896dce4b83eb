"""The template process: imports what workers import, then forks one per request.

Run by the app (runtime/template.py) with a Unix socket, its fd the first argument. Each
request is a JSON message `{"module", "args", "env"}` carrying three fds (the worker's stdin,
stdout, stderr); the answer is `{"pid": ...}` (or `{"error": ...}`), and when a worker exits,
`{"exit": pid, "code": ...}` (negative: the signal that ended it, as asyncio says it). The
template ends when the app closes the socket, and dies with the app (it is that process's
child).

Standard library only until the preload: it must start even where a family is missing.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import signal
import socket
import sys

MAX_MESSAGE = 1 << 20


def main() -> None:
    _die_with_parent()
    sock = socket.socket(fileno=int(sys.argv[1]))
    for name in sys.argv[2:]:  # a family that is not installed is simply not preloaded
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the app's to handle
    while True:
        ready, _, _ = select.select([sock, wake_r], [], [])
        if wake_r in ready:
            os.read(wake_r, 4096)
            _reap(sock)
        if sock in ready:
            try:
                data, fds, _, _ = socket.recv_fds(sock, MAX_MESSAGE, 3)
            except OSError:
                return
            if not data:
                return  # the app is gone
            _serve(sock, json.loads(data), fds, wake_r, wake_w)


def _serve(sock: socket.socket, request: dict, fds: list[int], *inherited: int) -> None:
    try:
        pid = os.fork()
    except OSError as exc:
        for fd in fds:
            os.close(fd)
        _send(sock, {"id": request.get("id"), "error": f"fork failed: {exc}"})
        return
    if pid == 0:
        code = 1
        try:
            sock.close()
            for fd in inherited:
                os.close(fd)
            _become(request, fds)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - shown in the worker's log, as a crash would be
            import traceback

            traceback.print_exc()
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
    for fd in fds:
        os.close(fd)
    _send(sock, {"id": request.get("id"), "pid": pid})


def _become(request: dict, fds: list[int]) -> None:
    """In the child: what a spawned worker is (its own session, fds 0-2, its environment)."""
    import runpy

    signal.set_wakeup_fd(-1)
    for sig in (signal.SIGCHLD, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)
    os.setsid()
    for target, fd in zip((0, 1, 2), fds, strict=True):
        os.dup2(fd, target)
        os.close(fd)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 - the process's own streams
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    os.environ.clear()  # the app's whole environment, as a spawn would have it
    os.environ.update(request["env"])
    module = request["module"]
    with contextlib.suppress(Exception):  # `ps -o comm`, top: the worker's name, not ours
        import ctypes

        ctypes.CDLL(None).prctl(15, module.encode()[:15], 0, 0, 0)  # PR_SET_NAME
    sys.argv = [module, *request["args"]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def _reap(sock: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _send(sock, {"exit": pid, "code": os.waitstatus_to_exitcode(status)})


def _send(sock: socket.socket, message: dict) -> None:
    with contextlib.suppress(OSError):  # the app is gone: the next read ends us
        sock.send(json.dumps(message).encode())


def _die_with_parent() -> None:
    """The app's death closes its end of the socket, which ends the template (and its workers
    die with it: their lifeline is the template). No PDEATHSIG here: that is tied to the thread
    that started the template, which may end long before the app does (a Ray task's)."""
    if os.getppid() == 1:
        os._exit(0)


if __name__ == "__main__":
    main()
