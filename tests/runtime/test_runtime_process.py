"""WorkerProcess against scripted fake workers: crash, hang, garbage, bursts, long lines."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mosaic_tui.protocol import Ping, Pong, Ready, Reset
from mosaic_tui.runtime import CommandRejected, WorkerError, WorkerProcess, WorkerTimeout

INIT = '{"type":"init","protocol":1,"worker":"fake"}'


def fake(tmp_path: Path, body: str, *, strict: bool = True, init: bool = True) -> WorkerProcess:
    """A worker whose behaviour is the given Python body; `out(line)` writes a protocol line."""
    script = tmp_path / "fake_worker.py"
    script.write_text(
        textwrap.dedent("""
        import os, sys, time, json
        def out(line):
            sys.stdout.write(line + "\\n"); sys.stdout.flush()
        def cmd():
            line = sys.stdin.readline()
            return json.loads(line) if line else None
    """)
        + (f"out({INIT!r})\n" if init else "")
        + textwrap.dedent(body)
    )
    return WorkerProcess(
        [sys.executable, str(script)],
        name="fake",
        log_path=tmp_path / "fake.log",
        strict=strict,
        expects_init=init,
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); treat it as gone
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


async def test_request_gets_the_answer_with_its_req(tmp_path: Path) -> None:
    w = fake(
        tmp_path,
        """
        while (c := cmd()) is not None:
            out(json.dumps({"type": "pong", "req": c["req"]}))
    """,
    )
    init = await w.start()
    assert init is not None and init.worker == "fake"
    first = await w.request(Ping(), Pong, timeout=5)
    second = await w.request(Ping(), Pong, timeout=5)
    assert isinstance(first, Pong) and isinstance(second, Pong)
    assert second.req == first.req + 1
    await w.stop()


async def test_crash_reports_exit_code_and_log_tail(tmp_path: Path) -> None:
    w = fake(
        tmp_path,
        """
        cmd()
        print("Traceback: policy.npz not found", file=sys.stderr)
        sys.exit(3)
    """,
    )
    await w.start()
    with pytest.raises(WorkerError) as info:
        await w.request(Ping(), Pong, timeout=5)
    text = str(info.value)
    assert "exit code 3" in text
    assert "policy.npz not found" in text  # last log lines are part of the message
    assert str(tmp_path / "fake.log") in text
    assert "policy.npz not found" in (tmp_path / "fake.log").read_text()
    await w.stop()


@pytest.mark.subprocess
async def test_hang_times_out_and_stop_kills_the_whole_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    w = fake(
        tmp_path,
        f"""
        import signal, subprocess
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # ignores polite termination
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        open({str(pidfile)!r}, "w").write(str(child.pid))
        while True:
            time.sleep(1)
    """,
    )
    await w.start()
    with pytest.raises(WorkerTimeout, match="did not send an answer to 'ping' within 0.5 s"):
        await w.request(Ping(), Pong, timeout=0.5)
    for _ in range(50):
        if pidfile.exists() and pidfile.read_text():
            break
        await asyncio.sleep(0.1)
    child = int(pidfile.read_text())
    worker_pid = w.pid
    assert worker_pid is not None and alive(worker_pid) and alive(child)
    began = time.monotonic()
    code = await w.stop(grace=0.3, term_grace=0.3)
    assert code == -9  # SIGTERM was ignored, so SIGKILL ended it
    assert time.monotonic() - began < 5
    for _ in range(20):
        if not alive(child):
            break
        await asyncio.sleep(0.05)
    assert not alive(worker_pid)
    assert not alive(child), "a grandchild in the worker's process group survived"


async def test_garbage_on_stdout_is_a_clear_protocol_error(tmp_path: Path) -> None:
    w = fake(
        tmp_path,
        """
        cmd()
        out("Loading level... done")
        time.sleep(5)
    """,
    )
    await w.start()
    with pytest.raises(WorkerError, match="broke the protocol: not JSON.*Loading level"):
        await w.request(Ping(), Pong, timeout=5)
    await w.stop(grace=0.2)


async def test_lenient_mode_skips_garbage_and_logs_it(tmp_path: Path) -> None:
    w = fake(
        tmp_path,
        """
        c = cmd()
        out("Loading level... done")
        out(json.dumps({"type": "pong", "req": c["req"]}))
        cmd()
    """,
        strict=False,
    )
    await w.start()
    assert isinstance(await w.request(Ping(), Pong, timeout=5), Pong)
    await w.stop()
    assert "Loading level" in (tmp_path / "fake.log").read_text()


async def test_back_to_back_messages_are_all_received(tmp_path: Path) -> None:
    # The reference's select()+readline() lost messages that arrived in one read.
    w = fake(
        tmp_path,
        """
        c = cmd()
        sys.stdout.write("".join(
            json.dumps({"type": "step", "step_index": i, "req": c["req"]}) + "\\n"
            for i in range(2000)))
        sys.stdout.flush()
        cmd()
    """,
    )
    await w.start()
    await w.send(Ping())
    got = [(await w.next_event(5)).step_index for _ in range(2000)]  # type: ignore[attr-defined]
    assert got == list(range(2000))
    await w.stop()


async def test_lines_of_sixteen_mebibytes_are_read(tmp_path: Path) -> None:
    w = fake(
        tmp_path,
        """
        c = cmd()
        blob = "A" * (16 * 1024 * 1024)
        out(json.dumps({"type": "error", "message": blob, "req": c["req"]}))
        cmd()
    """,
    )
    await w.start()
    with pytest.raises(CommandRejected) as info:
        await w.request(Ping(), Pong, timeout=20)
    assert len(info.value.error.message) == 16 * 1024 * 1024
    await w.stop()


async def test_rejected_command_keeps_the_worker_usable(tmp_path: Path) -> None:
    w = fake(
        tmp_path,
        """
        while (c := cmd()) is not None:
            if c["cmd"] == "reset":
                out(json.dumps({"type": "error", "message": "no seed", "code": "bad_command",
                                "req": c["req"]}))
            else:
                out(json.dumps({"type": "pong", "req": c["req"]}))
    """,
    )
    await w.start()
    with pytest.raises(CommandRejected, match="no seed"):
        await w.request(Reset(), Ready, timeout=5)
    assert isinstance(await w.request(Ping(), Pong, timeout=5), Pong)
    await w.stop()


async def test_stale_answers_are_skipped(tmp_path: Path) -> None:
    # The first ping is answered late (after its request timed out); the second must get its own.
    w = fake(
        tmp_path,
        """
        first = cmd()
        time.sleep(0.6)
        out(json.dumps({"type": "pong", "req": first["req"]}))
        second = cmd()
        out(json.dumps({"type": "pong", "req": second["req"]}))
        cmd()
    """,
    )
    await w.start()
    with pytest.raises(WorkerTimeout):
        await w.request(Ping(), Pong, timeout=0.3)
    answer = await w.request(Ping(), Pong, timeout=5)
    assert answer.req == 2
    await w.stop()


async def test_fatal_error_at_start_is_reported(tmp_path: Path) -> None:
    w = fake(
        tmp_path,
        """
        out(json.dumps({"type": "error", "message": "unknown env id 'Foo-v0'", "fatal": True}))
        sys.exit(2)
    """,
        init=False,
    )
    w.expects_init = True
    with pytest.raises(WorkerError, match="unknown env id 'Foo-v0'"):
        await w.start(timeout=10)
    await w.stop()


async def test_exit_before_init_names_the_cause(tmp_path: Path) -> None:
    w = fake(
        tmp_path,
        """
        raise ImportError("No module named 'torch'")
    """,
        init=False,
    )
    w.expects_init = True
    with pytest.raises(WorkerError) as info:
        await w.start(timeout=10)
    assert "exit code 1" in str(info.value) and "No module named 'torch'" in str(info.value)
    await w.stop()


async def test_missing_program_is_a_worker_error(tmp_path: Path) -> None:
    w = WorkerProcess([str(tmp_path / "no-such-program")], name="ghost")
    with pytest.raises(WorkerError, match="could not start ghost"):
        await w.start()


async def test_reference_worker_without_init_or_req_is_driven(tmp_path: Path) -> None:
    # The reference's InteractiveRuntime: no init, no req echo, its own event names.
    w = fake(
        tmp_path,
        """
        while (c := cmd()) is not None:
            if c["cmd"] == "reset":
                out(json.dumps({"type": "ready", "run_id": "r", "seed": c.get("seed")}))
    """,
        init=False,
    )
    w.dialect = "mosaic"
    assert await w.start() is None
    ready = await w.request(Reset(seed=4), Ready, timeout=5)
    assert ready.seed == 4  # type: ignore[attr-defined]
    await w.stop()


async def test_a_worker_speaking_a_newer_protocol_is_refused(tmp_path: Path) -> None:
    w = fake(
        tmp_path,
        """
        out(json.dumps({"type": "init", "protocol": 99, "worker": "future"}))
        cmd()
    """,
        init=False,
    )
    w.expects_init = True
    with pytest.raises(WorkerError, match="speaks protocol 99.*upgrade mosaic-tui"):
        await w.start()
    await w.stop()


@pytest.mark.subprocess
async def test_a_failed_start_leaves_no_process_behind(tmp_path: Path) -> None:
    w = fake(
        tmp_path,
        """
        time.sleep(60)
    """,
        init=False,
    )
    w.expects_init = True
    with pytest.raises(WorkerTimeout):
        await w.start(timeout=0.5)
    pid = w.pid
    assert pid is not None
    for _ in range(50):
        if not alive(pid):
            break
        await asyncio.sleep(0.05)
    assert not alive(pid)


async def test_the_reader_survives_absurd_numbers(tmp_path: Path) -> None:
    w = fake(
        tmp_path,
        """
        c = cmd()
        sys.stdout.write('{"type":"step","frame":{"w":1e400,"h":1,"enc":"raw","data":""}}\\n')
        out(json.dumps({"type": "pong", "req": c["req"]}))
        cmd()
    """,
        strict=False,
    )
    await w.start()
    assert isinstance(await w.request(Ping(), Pong, timeout=5), Pong)
    await w.stop()


async def test_an_over_long_line_is_dropped_whole_not_split(tmp_path: Path) -> None:
    """32 MiB of junk then a valid event on the same line: one error, and the tail is not
    read as an event of its own; the next line is."""
    w = fake(
        tmp_path,
        """
        cmd()
        sys.stdout.write("x" * (33 * 1024 * 1024) + json.dumps({"type": "pong", "req": 1}) + "\\n")
        out(json.dumps({"type": "pong", "req": 2}))
        sys.stderr.write("y" * (33 * 1024 * 1024) + "TAIL-OF-LOG-LINE\\n")
        sys.stderr.write("next log line\\n"); sys.stderr.flush()
        cmd()
    """,
    )
    await w.start()
    await w.send(Ping())
    with pytest.raises(WorkerError, match="over 33554432 bytes"):
        await w.next_event(30)
    event = await w.next_event(30)
    assert isinstance(event, Pong) and event.req == 2
    for _ in range(100):
        if "next log line" in w.log_tail():
            break
        await asyncio.sleep(0.05)
    assert w.log_tail()[-1] == "next log line"
    assert not any("TAIL-OF-LOG-LINE" in line for line in w.log_tail())
    await w.stop()


async def test_a_flooding_worker_log_keeps_its_head_and_latest_tail(tmp_path: Path) -> None:
    """300 MB of stderr must not become a 300 MB file: the head and the latest tail stay,
    with a line saying how much was dropped; the crash report's last lines still work."""
    import mosaic_tui.runtime.process as process

    w = fake(
        tmp_path,
        """
        print("first line of the log", file=sys.stderr)
        for i in range(200_000):
            sys.stderr.write(f"noise {i:06d} " + "z" * 80 + "\\n")
        print("last words before the crash", file=sys.stderr)
        sys.stderr.flush()
        cmd()
        sys.exit(4)
    """,
    )
    head, tail = process.LOG_HEAD_BYTES, process.LOG_TAIL_BYTES
    process.LOG_HEAD_BYTES, process.LOG_TAIL_BYTES = 64 * 1024, 256 * 1024
    try:
        await w.start()
        with pytest.raises(WorkerError) as info:
            await w.request(Ping(), Pong, timeout=30)
    finally:
        process.LOG_HEAD_BYTES, process.LOG_TAIL_BYTES = head, tail
    await w.stop()
    assert "last words before the crash" in str(info.value)  # the crash pane's lines
    text = (tmp_path / "fake.log").read_text()
    written = 200_000 * 94
    assert len(text) < 64 * 1024 + 3 * 256 * 1024 < written
    assert "first line of the log" in text
    assert "last words before the crash" in text
    assert "noise 199999" in text and "noise 100000 " not in text
    assert "lines (" in text and "bytes) of this worker's log dropped here" in text
    kept = [line for line in text.splitlines() if line.startswith("noise ")]
    numbers = [int(line.split()[1]) for line in kept]
    assert numbers[0] == 0  # the head is whole, then the tail is contiguous to the end
    tail_numbers = numbers[numbers.index(max(n for n in numbers if n < 100_000)) + 1 :]
    assert tail_numbers == list(range(tail_numbers[0], 200_000))


async def test_secret_values_are_masked_in_the_log_and_in_errors(tmp_path: Path) -> None:
    key = "sk-test-0123456789abcdef"
    w = fake(
        tmp_path,
        """
        import os
        key = os.environ["MOSAIC_TUI_LLM_API_KEY"]
        print("endpoint said: Incorrect API key provided: " + key, file=sys.stderr)
        print("it also said: key " + key[:8] + "..." + key[-4:], file=sys.stderr)
        sys.stderr.flush()
        c = cmd()
        out(json.dumps({"type": "error", "message": "401: bad key " + key, "req": c["req"]}))
        c = cmd()
        print("Traceback: KeyError " + key, file=sys.stderr)
        sys.exit(3)
    """,
    )
    w.env = {"MOSAIC_TUI_LLM_API_KEY": key}
    await w.start()
    with pytest.raises(CommandRejected) as rejected:
        await w.request(Ping(), Pong, timeout=10)
    assert key not in rejected.value.error.message and "***" in rejected.value.error.message
    with pytest.raises(WorkerError) as crashed:
        await w.request(Ping(), Pong, timeout=10)
    await w.stop()
    assert key not in str(crashed.value) and "KeyError ***" in str(crashed.value)
    log = (tmp_path / "fake.log").read_text()
    assert key not in log and "Incorrect API key provided: ***" in log
    assert key[:8] not in log and "it also said: key ***" in log  # a shortened echo too


class _DyingWorker:
    """A spawned worker whose input breaks before its death is reaped (a SIGKILL on a busy
    machine): the pipe error comes first, the exit status a moment later."""

    pid = None

    def __init__(self) -> None:
        self.returncode: int | None = None
        self.stdout = asyncio.StreamReader()
        self.stderr = asyncio.StreamReader()
        self.stdin = self
        self._ended = asyncio.get_running_loop().create_future()

    def write(self, data: bytes) -> None:
        pass

    async def drain(self) -> None:
        asyncio.get_running_loop().call_later(0.2, self._reaped)
        raise ConnectionResetError("Connection lost")

    def close(self) -> None:
        pass

    def _reaped(self) -> None:
        self.returncode = -signal.SIGKILL
        self.stdout.feed_eof()
        self.stderr.feed_eof()
        self._ended.set_result(self.returncode)

    async def wait(self) -> int:
        return await asyncio.shield(self._ended)


async def test_a_broken_pipe_reports_how_the_worker_ended() -> None:
    async def spawn(argv: list[str], env: dict[str, str]) -> _DyingWorker:
        return _DyingWorker()

    worker = WorkerProcess(["dying"], name="dying", expects_init=False, spawn=spawn)
    await worker.start()
    with pytest.raises(WorkerError, match="closed its input .*killed by SIGKILL"):
        await worker.send(Ping())
    await worker.stop()


def test_a_timeout_names_what_the_worker_printed_instead_of_the_protocol(
    tmp_path: Path,
) -> None:
    """A command that prints something else and then waits (not a worker of this app, or
    one stuck after a stray print): the timeout says what it printed, not just "hung"."""
    body = "print('hello I am not a protocol', flush=True); import time; time.sleep(30)"
    process = WorkerProcess([sys.executable, "-c", body], name="fake", strict=False)

    async def go() -> str:
        try:
            with pytest.raises(WorkerTimeout) as failed:
                await process.start(1.0)
            return str(failed.value)
        finally:
            await process.stop()

    message = asyncio.run(go())
    assert "within 1 s" in message and "'hello I am not a protocol'" in message
    assert "not the protocol" in message and "may be hung" not in message
