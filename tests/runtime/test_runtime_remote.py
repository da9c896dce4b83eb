"""Workers on another host over ssh, against a real sshd on 127.0.0.1 (skipped where none is
installed): the same results as here, secrets off every command line, nothing left running on
the host after a stop, a hang or a dropped connection, and clear messages when it fails."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from loopback_sshd import ALIAS, LoopbackSshd, missing

from mosaic_tui.experiments import parse, run_experiment
from mosaic_tui.protocol import Ping, Pong, Ready, Reset
from mosaic_tui.runtime.launcher import worker
from mosaic_tui.runtime.process import WorkerError, WorkerProcess
from mosaic_tui.telemetry import TelemetryStore

pytestmark = pytest.mark.subprocess
KEY = "sk-remote-test-5f1b2c"


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    why = missing()
    if why:
        pytest.skip(why)
    server = LoopbackSshd(tmp_path_factory.mktemp("sshd"))
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"sshd would not start here: {exc}")
    yield server
    server.stop()


@pytest.fixture
def host(sshd: LoopbackSshd, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MOSAIC_TUI_HOSTS", str(sshd.hosts_file))
    return ALIAS


def processes_with(text: str) -> dict[int, tuple[str, int]]:
    """pid -> (command line, parent pid) of every process whose command line holds `text`."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if text in cmdline and "ssh" not in cmdline.split()[0]:
            found[int(entry.name)] = (cmdline, ppid)
    return found


def gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


async def remote_worker(run_id: str, host: str, module: str = "env_worker") -> WorkerProcess:
    argv, env = worker(module).command(
        run_id, {}, env_id="FrozenLake-v1" if module == "env_worker" else None
    )
    process = WorkerProcess(argv, name=f"{module}@{host}", env=env, host=host)
    await process.start(30)
    return process


def the_remote(run_id: str) -> tuple[int, int]:
    """(pid, parent pid) of the one worker started with this run id on the loopback host."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = {p: v for p, v in processes_with(run_id).items() if "@python" in v[0]}
        if len(found) == 1:
            ((pid, (_, ppid)),) = found.items()
            return pid, ppid
        time.sleep(0.05)
    raise AssertionError(f"no single remote worker for {run_id}: {processes_with(run_id)}")


def wait_for_exec(text: str) -> int:
    """The pid of the program the remote boot became (its command line holds `text`)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [p for p, (cmd, _) in processes_with(text).items() if "@python" not in cmd]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"nothing became {text!r}")


def episodes_of(db: Path, operator: str) -> int:
    with sqlite3.connect(db, timeout=5) as conn:
        return conn.execute(
            "SELECT COUNT(*) FROM episodes e JOIN runs r USING (run_id) WHERE r.operator_id = ?",
            (operator,),
        ).fetchone()[0]


GAME = """
[execution]
episodes = 4
seeds = [11, 12, 13, 14]
[[operators]]
id = "{id}"
env_name = "minigrid"
task = "MiniGrid-Empty-6x6-v0"
max_steps = {max_steps}
{host}
[operators.workers.agent]
type = "baseline"
behavior = "random"
seed = 7
"""


def steps_of(db: Path, session: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT s.episode_index, s.step_index, s.action, s.reward, s.terminated,"
            " s.truncated FROM steps s JOIN runs r USING (run_id) WHERE r.session_id = ?"
            " ORDER BY s.episode_index, s.step_index",
            (session,),
        ).fetchall()


def run_file(text: str, tmp_path: Path) -> tuple[Path, str, list]:
    import tomllib

    db = tmp_path / f"{abs(hash(text))}.sqlite"
    spec = parse(tomllib.loads(text))
    with TelemetryStore.open(db) as store:
        result = asyncio.run(run_experiment(spec, store, log_dir=tmp_path))
    return db, result.session_id, result.outcomes


def test_an_operator_on_another_host_records_what_it_records_here(
    host: str, tmp_path: Path
) -> None:
    here = run_file(GAME.format(id="here", max_steps=30, host=""), tmp_path)
    there = run_file(GAME.format(id="there", max_steps=30, host=f'host = "{host}"'), tmp_path)
    assert [o.error for o in there[2]] == [None]
    assert there[2][0].episodes == 4
    local_steps = steps_of(here[0], here[1])
    assert len(local_steps) > 20
    assert steps_of(there[0], there[1]) == local_steps


def test_secrets_travel_to_the_host_off_every_command_line(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOSAIC_TUI_LLM_API_KEY", KEY)  # forwarded: the LLM worker reads it
    argv = [sys.executable, "-c", "import time; time.sleep(60)", "--run-id", "secret-run-1"]

    async def go() -> None:
        process = WorkerProcess(argv, name="sleeper", env={"TOKEN": KEY}, host=host,
                                expects_init=False)  # fmt: skip
        await process.start()
        try:
            pid = wait_for_exec("time.sleep(60)")
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            assert f"MOSAIC_TUI_LLM_API_KEY={KEY}".encode() in environ
            assert f"TOKEN={KEY}".encode() in environ
            assert process.pid is not None
            assert KEY.encode() not in Path(f"/proc/{process.pid}/cmdline").read_bytes()
            assert all(KEY not in cmd for cmd, _ in processes_with("secret-run-1").values())
        finally:
            await process.stop(grace=0.2, term_grace=0.5)
        # our env worker never uses an LLM key: it is not sent one
        env_worker = await remote_worker("keyless-run-1", host)
        try:
            pid, _ = the_remote("keyless-run-1")
            assert KEY.encode() not in Path(f"/proc/{pid}/environ").read_bytes()
        finally:
            await env_worker.stop()

    asyncio.run(go())


def test_a_stop_leaves_nothing_on_the_host_even_a_hung_worker(host: str) -> None:
    async def go() -> tuple[int, int]:
        first = await remote_worker("stop-run-1", host)
        pid_1, _ = the_remote("stop-run-1")
        await first.stop()
        hung = await remote_worker("stop-run-2", host)
        pid_2, _ = the_remote("stop-run-2")
        os.kill(pid_2, signal.SIGSTOP)  # hung: it reads no stop and no EOF
        await hung.stop(grace=0.5, term_grace=0.5)
        return pid_1, pid_2

    for pid in asyncio.run(go()):
        assert gone(pid), f"worker {pid} still runs on the host after the stop"


def test_a_dropped_connection_is_an_error_naming_the_host_and_ends_the_worker(
    host: str,
) -> None:
    async def go() -> tuple[int, str]:
        process = await remote_worker("drop-run-1", host)
        await process.request(Reset(seed=1), Ready, 10)
        pid, sshd_session = the_remote("drop-run-1")
        os.kill(sshd_session, signal.SIGKILL)  # the connection's server end dies
        with pytest.raises(WorkerError) as failed:
            for _ in range(50):
                await process.request(Ping(), Pong, 5)
                await asyncio.sleep(0.1)
        await process.stop()
        return pid, str(failed.value)

    pid, message = asyncio.run(go())
    assert f"ssh to {host} failed or lost its connection" in message
    assert gone(pid), "the worker outlived its connection"


def test_a_dropped_connection_mid_run_fails_that_operator_only(
    host: str, tmp_path: Path
) -> None:
    def operator(name: str, where: str | None) -> dict:
        # far: a decision worker there, a round trip over ssh each step; near: streamed here
        player = {"type": "baseline", "behavior": "random", **({"seed": 7} if where else {})}
        return {"id": name, "env_name": "minigrid", "task": "MiniGrid-Empty-6x6-v0",
                "max_steps": 200, **({"host": where} if where else {}),
                "workers": {"agent": player}}  # fmt: skip

    spec = parse({"execution": {"episodes": 100, "seed": 1},
                  "operators": [operator("far", host), operator("near", None)]})  # fmt: skip

    async def go():  # type: ignore[no-untyped-def]
        with TelemetryStore.open(tmp_path / "r.sqlite") as store:
            task = asyncio.create_task(run_experiment(spec, store, log_dir=tmp_path))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # a few episodes are recorded, then it drops
                await asyncio.sleep(0.2)
                if episodes_of(tmp_path / "r.sqlite", "far") >= 3:
                    break
            found = {p: v for p, v in processes_with("@python").items() if "far" in v[0]}
            for _, sshd_session in found.values():
                os.kill(sshd_session, signal.SIGKILL)
            return await asyncio.wait_for(task, 300), list(found)

    result, pids = asyncio.run(go())
    outcome = {o.config.operator_id: o for o in result.outcomes}
    assert outcome["near"].error is None and outcome["near"].episodes == 100
    assert outcome["far"].error is not None and host in outcome["far"].error
    assert 0 < outcome["far"].episodes < 100  # those played before the drop are kept
    assert pids and all(gone(pid) for pid in pids)


def test_a_host_without_mosaic_tui_says_what_to_install(
    sshd: LoopbackSshd, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hosts = tmp_path / "hosts.toml"  # -S: no site-packages, so no mosaic-tui there
    hosts.write_text(f'[hosts.{ALIAS}]\nssh = "{sshd.ssh}"\npython = "{sys.executable} -S"\n')
    monkeypatch.setenv("MOSAIC_TUI_HOSTS", str(hosts))
    with pytest.raises(WorkerError) as failed:
        asyncio.run(remote_worker("bare-run-1", ALIAS))
    text = str(failed.value)
    assert "has no env_worker" in text and "pip install mosaic-tui" in text
    hosts.write_text(f'[hosts.{ALIAS}]\nssh = "{sshd.ssh}"\npython = "/nonexistent/python3"\n')
    with pytest.raises(WorkerError) as failed:
        asyncio.run(remote_worker("bare-run-2", ALIAS))
    assert "cannot run '/nonexistent/python3'" in str(failed.value)


def test_doctor_says_ready_or_what_is_missing(host: str) -> None:
    from mosaic_tui.cli.main import main

    assert main(["doctor", host]) == 0
    # a family nobody has is refused before ssh is tried, as a usage error
    assert main(["doctor", host, "--family", "no-such-family"]) == 2
