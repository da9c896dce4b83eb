"""No worker outlives the app: not a hung or stopped worker when the runner is SIGKILLed, not a
worker whose stdin closed, not a grandchild that left the worker's session with setsid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from runtime_helpers import gone

from mosaic_tui.runtime import WorkerProcess

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

# A stand-in worker on the real WorkerChannel: answers init, then hangs in its "step".
HUNG_WORKER = textwrap.dedent("""
    import os, sys, time
    from mosaic_tui.protocol import Init
    from mosaic_tui.protocol.stdio import WorkerChannel
    channel = WorkerChannel()
    open(sys.argv[1], "w").write(str(os.getpid()))
    channel.send(Init(worker="hung", role="decision"))
    channel.receive()
    time.sleep(600)  # a step that never ends
""")

RUNNER = textwrap.dedent("""
    import asyncio, sys
    from mosaic_tui.protocol import Ping
    from mosaic_tui.runtime import WorkerProcess

    async def main():
        w = WorkerProcess([sys.executable, sys.argv[1], sys.argv[2]], name="hung")
        await w.start(timeout=60)
        await w.send(Ping())
        print("started", flush=True)
        await asyncio.sleep(600)

    asyncio.run(main())
""")


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.subprocess
@pytest.mark.parametrize("stopped", [False, True], ids=["hung", "sigstopped"])
def test_a_worker_dies_with_a_sigkilled_runner(tmp_path: Path, stopped: bool) -> None:
    worker_script = tmp_path / "hung.py"
    worker_script.write_text(HUNG_WORKER)
    runner_script = tmp_path / "runner.py"
    runner_script.write_text(RUNNER)
    pidfile = tmp_path / "worker.pid"
    runner = subprocess.Popen(
        [sys.executable, str(runner_script), str(worker_script), str(pidfile)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert runner.stdout is not None and runner.stdout.readline() == b"started\n"
        worker = int(pidfile.read_text())
        assert not gone(worker)
        if stopped:
            os.kill(worker, signal.SIGSTOP)
        runner.kill()
        runner.wait(10)
        assert wait_until(lambda: gone(worker), 5.0), "the worker outlived its runner"
    finally:
        runner.kill()
        if pidfile.exists() and not gone(int(pidfile.read_text())):
            os.kill(int(pidfile.read_text()), signal.SIGKILL)


@pytest.mark.subprocess
def test_a_hung_worker_kills_itself_after_stdin_closes(tmp_path: Path) -> None:
    """The watchdog for platforms without a parent-death signal, and parents that exit
    without stopping their workers: EOF, then a grace time, then the worker's own group."""
    worker_script = tmp_path / "hung.py"
    worker_script.write_text(HUNG_WORKER)
    pidfile = tmp_path / "worker.pid"
    proc = subprocess.Popen(
        [sys.executable, str(worker_script), str(pidfile)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "MOSAIC_TUI_EOF_GRACE": "0.5"},
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None and b'"init"' in proc.stdout.readline()
        assert proc.stdin is not None
        proc.stdin.write(b'{"cmd":"ping"}\n')
        proc.stdin.flush()
        time.sleep(0.2)
        assert proc.poll() is None  # hung in its step
        proc.stdin.close()
        assert proc.wait(10) == -signal.SIGKILL
        assert proc.stderr is not None and b"stdin closed" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.subprocess
async def test_a_grandchild_that_calls_setsid_is_gone_after_stop(tmp_path: Path) -> None:
    pidfile = tmp_path / "daemon.pid"
    daemon_script = tmp_path / "daemon.py"
    daemon_script.write_text(
        textwrap.dedent(f"""
        import os, time
        os.setsid()  # leave the worker's session and process group
        if os.fork():
            os._exit(0)  # the middle process exits: the daemon is orphaned
        open({str(pidfile)!r}, "w").write(str(os.getpid()))
        time.sleep(600)
    """)
    )
    script = tmp_path / "forker.py"
    script.write_text(
        textwrap.dedent(f"""
        import subprocess, sys, time
        subprocess.Popen([sys.executable, {str(daemon_script)!r}])
        sys.stdout.write('{{"type":"init","protocol":1,"worker":"forker"}}\\n')
        sys.stdout.flush()
        sys.stdin.readline()
        time.sleep(600)
    """)
    )
    w = WorkerProcess([sys.executable, str(script)], name="forker")
    await w.start(timeout=30)
    assert wait_until(lambda: pidfile.exists() and pidfile.read_text() != "", 10)
    daemon = int(pidfile.read_text())
    try:
        assert os.getsid(daemon) != os.getsid(w.pid or 0)  # out of the worker's session
        await w.stop(grace=0.2, term_grace=0.2)
        assert wait_until(lambda: gone(daemon), 5.0), "the setsid grandchild survived stop"
    finally:
        if not gone(daemon):
            os.kill(daemon, signal.SIGKILL)


@pytest.mark.subprocess
def test_a_worker_whose_app_died_before_start_up_exits_at_once(tmp_path: Path) -> None:
    """The parent-death signal is armed a moment after the fork; if the app died in between,
    the worker notices (its parent is not the app, and the app is gone) and exits."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(10)
    out = subprocess.run(
        [sys.executable, "-m", "baseline_worker", "--run-id", "t"],
        input=b"",
        capture_output=True,
        env={**os.environ, "MOSAIC_TUI_PARENT_PID": str(dead.pid)},
        timeout=30,
    )
    assert out.returncode == 0 and out.stdout == b""  # gone before saying anything
    alive_parent = subprocess.run(
        [sys.executable, "-m", "baseline_worker", "--run-id", "t"],
        input=b'{"cmd":"ping","req":1}\n',
        capture_output=True,
        env={**os.environ, "MOSAIC_TUI_PARENT_PID": str(os.getpid())},  # its real parent
        timeout=30,
    )
    assert b'"pong"' in alive_parent.stdout
