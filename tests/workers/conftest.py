"""A small synchronous client for worker subprocesses, and a fixture that spawns them.

Every stdout line a worker writes is checked with `decode_event` as it is read: a stray print
or a malformed event fails the test at the line where it appears.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from typing import Any

import pytest

from mosaic_tui.protocol import decode_event

READ_TIMEOUT = 15.0


class WorkerClient:
    def __init__(self, argv: list[str]) -> None:
        env = dict(
            os.environ,
            PYTHONUNBUFFERED="1",
            SDL_VIDEODRIVER="dummy",
            SDL_AUDIODRIVER="dummy",
            PYGAME_HIDE_SUPPORT_PROMPT="1",
        )
        self.argv = argv
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._stderr: list[bytes] = []
        self.raw: list[bytes] = []  # every stdout line, as received
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _drain_stderr(self) -> None:
        for line in self.proc.stderr:
            self._stderr.append(line)

    @property
    def stderr(self) -> str:
        return b"".join(self._stderr).decode("utf-8", "replace")

    # ------------------------------------------------------------------ talking

    def send(self, message: dict[str, Any] | bytes) -> None:
        data = message if isinstance(message, bytes) else json.dumps(message).encode() + b"\n"
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def read(self, timeout: float = READ_TIMEOUT) -> dict[str, Any]:
        """The next event as a dict (after checking it decodes as a protocol event)."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(
                f"no event within {timeout}s; stderr:\n{self.stderr[-3000:]}"
            ) from None
        if line is None:
            self._lines.put(None)  # stay at EOF
            raise EOFError(f"worker closed stdout; stderr:\n{self.stderr[-3000:]}")
        self.raw.append(line)
        assert line.endswith(b"\n")
        decode_event(line)  # raises ProtocolError on anything that is not a valid event
        return json.loads(line)

    def read_type(self, kind: str, timeout: float = READ_TIMEOUT) -> dict[str, Any]:
        event = self.read(timeout)
        assert event["type"] == kind, event
        return event

    def read_until(self, kind: str, timeout: float = READ_TIMEOUT) -> list[dict[str, Any]]:
        """Events up to and including the first of this type."""
        events = []
        while True:
            events.append(self.read(timeout))
            if events[-1]["type"] == kind:
                return events

    def request(self, message: dict[str, Any], kind: str | None = None) -> dict[str, Any]:
        self.send(message)
        event = self.read()
        if kind is not None:
            assert event["type"] == kind, event
        return event

    def read_all(self, timeout: float = READ_TIMEOUT) -> list[dict[str, Any]]:
        """Every event until the worker closes stdout."""
        events = []
        while True:
            try:
                events.append(self.read(timeout))
            except EOFError:
                return events

    def close_stdin(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def wait(self, timeout: float = 10) -> int:
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass


@pytest.fixture
def spawn():
    """spawn("env_worker", "--env-id", ...) -> a WorkerClient; every one is killed afterwards.

    `--run-id test` is added unless the arguments give one; `-c` runs a script instead.
    """
    clients: list[WorkerClient] = []

    def start(module: str, *args: str) -> WorkerClient:
        if module == "-c":
            argv = [sys.executable, "-c", *args]
        else:
            extra = [] if "--run-id" in args else ["--run-id", "test"]
            argv = [sys.executable, "-m", module, *extra, *args]
        client = WorkerClient(argv)
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.kill()


@pytest.fixture
def env_worker(spawn):
    """env_worker(task, *args) -> a client whose init event has been read (as .init)."""

    def start(task: str, *args: str) -> WorkerClient:
        client = spawn("env_worker", "--env-id", task, *args)
        client.init = client.read_type("init")
        return client

    return start


@pytest.fixture
def baseline(spawn):
    """baseline(*args) -> a baseline_worker client whose init event has been read."""

    def start(*args: str) -> WorkerClient:
        client = spawn("baseline_worker", *args)
        client.init = client.read_type("init")
        return client

    return start
