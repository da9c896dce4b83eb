"""Workers forked from the template process behave exactly like spawned ones: the same
results, the same lifecycle (stop, kill, exit codes, stray prints in the log), gone when the
app dies, and spawned instead when the template cannot serve."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mosaic_tui.experiments import parse, run_experiment
from mosaic_tui.protocol import Ping, Pong, Ready, Reset
from mosaic_tui.runtime import spawn, template
from mosaic_tui.runtime.launcher import worker
from mosaic_tui.runtime.process import WorkerError, WorkerProcess
from mosaic_tui.telemetry import TelemetryStore

pytestmark = [
    pytest.mark.subprocess,
    pytest.mark.skipif(not template.available(), reason="no fork server here (not Linux)"),
]

GAMES = {"execution": {"episodes": 3, "seed": 5}, "operators": [
    {"id": "grid", "env_name": "minigrid", "task": "MiniGrid-Empty-6x6-v0", "max_steps": 40,
     "workers": {"agent": {"type": "baseline", "behavior": "random", "seed": 9}}},
    {"id": "babyai", "env_name": "babyai", "task": "BabyAI-GoToRedBall-v0", "max_steps": 20,
     "workers": {"agent": {"type": "baseline", "behavior": "cycling"}}},
    {"id": "ttt", "env_name": "pettingzoo_classic", "task": "tictactoe_v3",
     "workers": {"player_1": {"type": "baseline", "behavior": "random", "seed": 1},
                 "player_2": {"type": "baseline", "behavior": "random", "seed": 2}}},
]}  # fmt: skip


def steps(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT r.operator_id, s.episode_index, s.step_index, s.agent, s.action,"
            " s.reward, s.terminated, s.truncated FROM steps s JOIN runs r USING (run_id)"
            " ORDER BY 1, 2, 3, 4"
        ).fetchall()


def run(tmp_path: Path, name: str) -> list[tuple]:
    with TelemetryStore.open(tmp_path / f"{name}.sqlite") as store:
        result = asyncio.run(run_experiment(parse(GAMES), store, log_dir=tmp_path / name))
    assert not result.failed, [o.error for o in result.failed]
    return steps(tmp_path / f"{name}.sqlite")


def test_forked_and_spawned_workers_record_the_same_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forked = run(tmp_path, "forked")
    assert template.template().alive  # they did come from the template
    monkeypatch.setenv(template.SWITCH, "0")
    assert run(tmp_path, "spawned") == forked
    assert len(forked) > 50


async def start(module: str = "env_worker", task: str = "FrozenLake-v1") -> WorkerProcess:
    argv, env = worker(module).command("t-run", {}, env_id=task if module == "env_worker" else None)
    process = WorkerProcess(argv, name=module, env=env)
    await process.start(30)
    return process


def test_a_forked_worker_is_a_child_of_the_template_in_a_session_of_its_own() -> None:
    async def go() -> None:
        process = await start()
        pid = process.pid
        assert pid is not None
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            assert int(stat[1]) == template.template().process.pid  # forked by the template
            assert int(stat[3]) == pid  # its own session: a stop takes its children too
            assert Path(f"/proc/{pid}/comm").read_text().strip() == "env_worker"
            await process.request(Ping(), Pong, 10)
        finally:
            code = await process.stop()
        assert code == 0 and not Path(f"/proc/{pid}").exists()

    asyncio.run(go())


def test_a_hang_up_of_the_apps_terminal_does_not_reach_the_template() -> None:
    """A closed terminal sends SIGHUP to the app's process group: the template (and so every
    worker, whose lifeline it is) must not be in it, or the workers die before the app stops
    them and their runs are recorded as killed instead of stopped."""

    async def go() -> None:
        process = await start()
        try:
            host = template.template().process.pid
            assert os.getpgid(host) != os.getpgid(0)
            assert os.getsid(host) == host
        finally:
            await process.stop()

    asyncio.run(go())


def test_a_killed_forked_worker_is_reported_as_killed() -> None:
    async def go() -> str:
        process = await start()
        assert process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        with pytest.raises(WorkerError) as failed:
            await process.request(Reset(seed=1), Ready, 10)
        await process.stop()
        return str(failed.value)

    assert "killed by SIGKILL" in asyncio.run(go())


def test_workers_of_a_killed_template_are_reported_as_killed_not_still_running() -> None:
    async def go() -> tuple[str, int | None]:
        process = await start()
        await process.request(Ping(), Pong, 10)
        host = template.template()
        host.process.kill()  # its workers die with it (their lifeline) and come to us
        code = await asyncio.wait_for(process._proc.wait(), 10)  # type: ignore[union-attr]
        with pytest.raises(WorkerError) as failed:
            await process.request(Reset(seed=1), Ready, 10)
        await process.stop()
        return str(failed.value), code

    message, code = asyncio.run(go())
    assert code == -signal.SIGKILL
    assert "killed by SIGKILL" in message and "still running" not in message
    assert "the template process it was forked from had ended" in message  # the real cause


def test_stray_prints_go_to_the_log_and_a_bad_env_is_reported(tmp_path: Path) -> None:
    async def go() -> str:
        argv, env = worker("env_worker").command("t-run", {}, env_id="NoSuchEnv-v9")
        process = WorkerProcess(argv, name="env", env=env, log_path=tmp_path / "env.log")
        with pytest.raises(WorkerError) as failed:
            await process.start(30)
        return str(failed.value)

    assert "unknown env id 'NoSuchEnv-v9'" in asyncio.run(go())

    async def babyai() -> Ready:  # seed 8: BabyAI prints "Sampling rejected" on stdout
        argv, env = worker("env_worker").command("t-run", {}, env_id="BabyAI-GoToRedBall-v0")
        process = WorkerProcess(argv, name="env", env=env, log_path=tmp_path / "b.log")
        await process.start(30)
        try:
            return await process.request(Reset(seed=8), Ready, 30)
        finally:
            await process.stop()

    assert asyncio.run(babyai()).seed == 8  # the protocol went on, undisturbed
    assert "Sampling rejected" in (tmp_path / "b.log").read_text()


def test_workers_are_spawned_when_the_template_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    first = template.template()
    first.process.kill()
    first.process.wait(5)

    async def go() -> None:
        process = await start()  # a new template, or a spawn: either way a working worker
        await process.request(Ping(), Pong, 10)
        await process.stop()

    asyncio.run(go())
    assert template.template().alive and template.template() is not first
    calls: list[list[str]] = []
    real = spawn.subprocess_spawn

    async def spy(argv: list[str], env: dict[str, str]):  # type: ignore[no-untyped-def]
        calls.append(argv)
        return await real(argv, env)

    monkeypatch.setattr(spawn, "subprocess_spawn", spy)
    monkeypatch.setenv(template.SWITCH, "0")
    asyncio.run(go())
    assert calls and "env_worker" in calls[0][2]


APP = textwrap.dedent(
    """
    import asyncio, sys
    from mosaic_tui.protocol import Ping, Pong
    from mosaic_tui.runtime.launcher import worker
    from mosaic_tui.runtime.process import WorkerProcess

    async def main():
        for i in range(2):
            argv, env = worker("env_worker").command(f"orphan-{i}", {}, env_id="FrozenLake-v1")
            p = WorkerProcess(argv, name="env", env=env)
            await p.start(30)
            await p.request(Ping(), Pong, 10)
            print(p.pid, flush=True)
        await asyncio.sleep(60)

    asyncio.run(main())
    """
)


def test_the_template_and_its_workers_die_with_the_app() -> None:
    app = subprocess.Popen([sys.executable, "-c", APP], stdout=subprocess.PIPE, text=True)
    try:
        assert app.stdout is not None
        pids = [int(app.stdout.readline()) for _ in range(2)]
        templates = [p for p in _children(app.pid)]
        assert templates, "the app started no template"
        app.kill()
        app.wait(5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(p) for p in [*pids, *templates]):
            time.sleep(0.05)
        assert not any(_alive(p) for p in [*pids, *templates])
    finally:
        if app.poll() is None:
            app.kill()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError):
                continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_only_our_workers_and_only_as_a_spawn_would_start_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mosaic_tui.runtime.launcher import boot_argv

    template.template()
    assert template.serves(boot_argv("env_worker")) == "env_worker"
    assert template.serves(boot_argv("someone_elses_worker")) is None  # not ours: spawned
    assert template.serves([sys.executable, "-m", "env_worker"]) is None  # a command line
    monkeypatch.setenv("PYTHONPATH", "/somewhere/else")  # read at start: the template has not
    assert template.serves(boot_argv("env_worker")) is None


def test_the_template_outlives_the_thread_that_started_it() -> None:
    import threading

    template.template().close()
    started: list[template.Template] = []
    thread = threading.Thread(target=lambda: started.append(template.template()))
    thread.start()
    thread.join()
    time.sleep(0.5)  # a lifeline tied to that thread would have ended it by now
    assert started[0].alive and template.template() is started[0]

    async def go() -> None:
        process = await start()
        await process.request(Ping(), Pong, 10)
        await process.stop()

    asyncio.run(go())
