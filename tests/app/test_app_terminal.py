"""The app in a real terminal (a pty): it ends, with its workers, when the terminal goes away.

An SSH drop closes the pty's master side. The app must notice (SIGHUP when the pty is its
controlling terminal; the hang-up on its tty fds when it is not) and stop everything.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import waiting

ROOT = Path(__file__).resolve().parents[2]
GONE_WITHIN = 10.0  # seconds; the app aims at 2 (a loaded test machine gets 5x headroom)

OPERATORS = """
name = "hangup"
[execution]
episodes = 1
seeds = [1]
max_steps = 8
"""
OPERATOR = """
[[operators]]
id = "op{i}"
name = "Op {i}"
env_name = "minigrid"
task = "MiniGrid-Empty-8x8-v0"
[operators.workers.agent]
type = "baseline"
behavior = "random"
"""


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    """True once `condition()` holds, False after `timeout` (these tests assert on it)."""
    try:
        waiting.wait_for(condition, timeout)
    except AssertionError:
        return False
    return True


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def workers_of(pid: int) -> list[int]:
    """The app's workers: its children, or the children of its template process (which forks
    them: runtime/template.py)."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                table[int(entry)] = (ppid, f.read())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    templates = {p for p, (ppid, cmd) in table.items() if ppid == pid and b"template_server" in cmd}
    return [
        p
        for p, (ppid, cmd) in table.items()
        if ppid in templates or (ppid == pid and b"_worker" in cmd and p not in templates)
    ]


class Terminal:
    """A pty whose screen output is read (and thrown away) so the app never blocks."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.seen = bytearray()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:
                    return

    def hang_up(self) -> None:
        """What an SSH drop does: the master side closes."""
        self._stop.set()
        self._reader.join()
        os.close(self.master)


def app_env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "MOSAIC_TUI_DATA_DIR": str(tmp_path / "data"),
        "MOSAIC_TUI_STATE_DIR": str(tmp_path / "state"),
        "TERM": "xterm-256color",
    }
    env.pop("TEXTUAL_DRIVER", None)
    return env


def start_app(
    tmp_path: Path, term: Terminal, *, sighup: bool = True, stderr: int | None = None
) -> subprocess.Popen[bytes]:
    spec = tmp_path / "ops.toml"
    spec.write_text(OPERATORS + "".join(OPERATOR.format(i=i) for i in range(3)))
    env = app_env(tmp_path)

    def make_controlling_tty() -> None:  # like a login shell: the pty is our terminal
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        if not sighup:  # the signal stays pending: only the dead tty itself can tell
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})

    proc = subprocess.Popen(
        [sys.executable, "-m", "mosaic_tui.cli", "app", str(spec), "--pace", "60"]
        + ["--db", str(tmp_path / "r.sqlite")],
        stdin=term.slave,
        stdout=term.slave,
        stderr=term.slave if stderr is None else stderr,
        env=env,
        cwd=ROOT,
        start_new_session=True,
        preexec_fn=make_controlling_tty,
    )
    os.close(term.slave)
    return proc


@pytest.mark.subprocess
@pytest.mark.parametrize("sighup", [True, False], ids=["sighup", "sighup-blocked"])
def test_app_and_workers_end_when_the_terminal_goes_away(tmp_path: Path, sighup: bool) -> None:
    term = Terminal()
    proc = start_app(tmp_path, term, sighup=sighup)
    workers: list[int] = []
    try:
        assert wait_for(lambda: len(workers_of(proc.pid)) >= 3, 60), term.seen[-2000:]
        assert wait_for(lambda: b"MiniGrid-Empty" in term.seen, 30)  # the screen is up
        workers = workers_of(proc.pid)
        # let a few short episodes finish, so there is something recorded to keep
        db = tmp_path / "r.sqlite"
        assert wait_for(lambda: episodes(db) >= 1, 60)
        start = time.monotonic()
        term.hang_up()
        assert wait_for(lambda: not alive(proc.pid), GONE_WITHIN), "the app outlived its tty"
        assert wait_for(lambda: not any(alive(w) for w in workers), 2.0), "workers left"
        print(f"app and workers gone {time.monotonic() - start:.2f} s after the hang-up")
        proc.wait(5)
        assert episodes(db) >= 1  # what was recorded is still there
    finally:
        for pid in [proc.pid, *workers]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait(5)


@pytest.mark.subprocess
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_app_with_its_exit_code_and_keeps_the_runs(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """`kill -INT` / `kill -TERM`: workers stopped, runs recorded as stopped, exit 128 + N."""
    term = Terminal()
    proc = start_app(tmp_path, term)
    workers: list[int] = []
    db = tmp_path / "r.sqlite"
    try:
        assert wait_for(lambda: len(workers_of(proc.pid)) >= 3, 60), term.seen[-2000:]
        workers = workers_of(proc.pid)
        assert wait_for(lambda: episodes(db) >= 1, 60)
        os.kill(proc.pid, sig)
        assert proc.wait(GONE_WITHIN) == 128 + sig
        assert wait_for(lambda: not any(alive(w) for w in workers), 2.0), "workers left"
        with sqlite3.connect(db) as con:
            statuses = {s for (s,) in con.execute("SELECT status FROM runs")}
        assert statuses == {"stopped"}
    finally:
        term.hang_up()
        for pid in [proc.pid, *workers]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait(5)


def episodes(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as con:
            return int(con.execute("SELECT COUNT(*) FROM episodes").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.subprocess
def test_screen_reaches_the_terminal_when_stderr_is_redirected(tmp_path: Path) -> None:
    """`mosaic-tui 2>log`: the screen is drawn on the terminal; the log gets no screen."""
    term = Terminal()
    log = tmp_path / "log"
    with open(log, "wb") as err:
        proc = start_app(tmp_path, term, stderr=err.fileno())
    try:
        assert wait_for(lambda: b"MiniGrid-Empty" in term.seen, 60), "nothing on the terminal"
        assert b"\x1b[" not in log.read_bytes()
        term.hang_up()
        assert wait_for(lambda: not alive(proc.pid), GONE_WITHIN)
    finally:
        if alive(proc.pid):
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(5)


def test_without_any_terminal_the_app_says_so_on_stdout(tmp_path: Path) -> None:
    try:
        out = subprocess.run(
            [sys.executable, "-m", "mosaic_tui.cli", "app", "--no-record"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=app_env(tmp_path),
            cwd=ROOT,
            start_new_session=True,  # no controlling terminal, so no /dev/tty either
            timeout=60,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError("the app ran with nowhere to draw") from exc
    assert out.returncode == 2
    assert "needs a terminal" in out.stdout and "mosaic-tui run FILE" in out.stdout
