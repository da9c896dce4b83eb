"""The conformance kit against a worker that forks a detached child (fork, setsid, sleep) which
keeps the worker's pipes open: the kit finishes, kills that child, and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from runtime_helpers import gone

from mosaic_tui.runtime.worker_session import CheckFailed, CheckTimeouts, Session

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
    pytest.mark.subprocess,
]

# argv: PIDFILE THEN ...; the detached child writes its pid, then holds stdin/out/err for
# 120 s (bounded, so a failing run leaves nothing behind for long). THEN is what the worker
# does next: "baseline" runs the real baseline worker, "mute" says init and never answers,
# "exit" says init and exits.
FORKING = textwrap.dedent("""
    import json, os, runpy, sys, time
    pidfile, then = sys.argv[1], sys.argv[2]
    if os.fork() == 0:
        os.setsid()
        with open(pidfile, "a") as f:
            f.write(f"{os.getpid()}\\n")
        time.sleep(120)
        os._exit(0)
    if then == "baseline":
        sys.argv = ["baseline_worker", *sys.argv[3:]]
        runpy.run_module("baseline_worker", run_name="__main__", alter_sys=True)
    else:
        print(json.dumps({"type": "init", "protocol": 1, "worker": "f", "role": "decision"}),
              flush=True)
        if then == "mute":
            time.sleep(120)
""")


def pids(pidfile: Path) -> list[int]:
    return [int(p) for p in pidfile.read_text().split()] if pidfile.exists() else []


def kit(args: list[str]) -> subprocess.Popen[bytes]:
    """`mosaic-tui check-worker ARGS` in a session of its own (killed whole if it hangs)."""
    return subprocess.Popen(
        [sys.executable, "-m", "mosaic_tui", "check-worker", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def finish(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int | None, str]:
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return None, out.decode(errors="replace")
    return proc.returncode, out.decode(errors="replace")


def test_check_worker_finishes_and_kills_a_detached_child(tmp_path: Path) -> None:
    script, pidfile = tmp_path / "goodfork.py", tmp_path / "children"
    script.write_text(FORKING)
    code, out = finish(kit(["--", "python", str(script), str(pidfile), "baseline"]), 150)
    assert code == 0, out  # None: it hung
    assert "every check passed" in out
    children = pids(pidfile)
    assert children and all(gone(p) for p in children), children


def test_sigterm_stops_check_worker_while_a_detached_child_holds_the_pipe(
    tmp_path: Path,
) -> None:
    script, pidfile = tmp_path / "mutefork.py", tmp_path / "children"
    script.write_text(FORKING)
    proc = kit(["--role", "decision", "--", "python", str(script), str(pidfile), "mute"])
    deadline = time.monotonic() + 60
    while not pids(pidfile) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # the kit reads init, then waits for an answer that never comes
    proc.send_signal(signal.SIGTERM)
    code, out = finish(proc, 20)
    assert code == 128 + signal.SIGTERM, out  # None: it hung
    assert all(gone(p) for p in pids(pidfile))


def test_a_worker_gone_while_its_child_holds_stdout_fails_at_once(tmp_path: Path) -> None:
    script, pidfile = tmp_path / "exitfork.py", tmp_path / "children"
    script.write_text(FORKING)
    session = Session(
        [sys.executable, str(script), str(pidfile), "exit"], CheckTimeouts(start=60), []
    )
    began = time.monotonic()
    try:
        session.start()
        with pytest.raises(CheckFailed, match="still holds its stdout open"):
            session.read(timeout=60)
        assert time.monotonic() - began < 30  # not the whole 60 s
    finally:
        killer = threading.Thread(target=session.kill, daemon=True)
        killer.start()
        killer.join(20)
    assert not killer.is_alive(), "kill hung on a pipe the detached child holds"
    assert all(gone(p) for p in pids(pidfile))
