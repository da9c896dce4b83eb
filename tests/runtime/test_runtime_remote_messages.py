"""What a remote (ssh) worker's messages and log say, without an sshd: `RemoteSpawn` is swapped
for a stand-in that starts a local program, so the worker has a host but no ssh. A silent one
is said to be maybe its connection, its log starts with where it runs and with which python,
and an exit while waiting names mosaic-tui, not "the app" (`run` has none)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mosaic_tui.protocol import Ping, Pong
from mosaic_tui.runtime import WorkerError, WorkerProcess, WorkerTimeout, remote
from mosaic_tui.runtime.launcher import worker
from mosaic_tui.runtime.spawn import WorkerHandle, subprocess_spawn

pytestmark = pytest.mark.subprocess
INIT = '{"type":"init","protocol":1,"worker":"fake"}'
SILENT = "import time; time.sleep(60)"  # a host that never answers, a link gone quiet
INIT_THEN_SILENT = f"print({INIT!r}, flush=True); import time; time.sleep(60)"


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """`RemoteSpawn` runs `body` here instead of ssh; the hosts settings are the test's."""
    monkeypatch.setenv(remote.HOSTS_VARIABLE, str(tmp_path / "hosts.toml"))
    behaviour = {"body": SILENT}

    class StandIn:
        def __init__(self, host: remote.Host) -> None:
            self.host = host

        async def __call__(self, argv: list[str], env: dict[str, str]) -> WorkerHandle:
            return await subprocess_spawn([sys.executable, "-c", behaviour["body"]], env)

    monkeypatch.setattr(remote, "RemoteSpawn", StandIn)
    return behaviour


def env_worker(tmp_path: Path, host: str | None, name: str = "env_worker") -> WorkerProcess:
    argv, env = worker("env_worker").command("msg-run-1", {}, env_id="FrozenLake-v1")
    return WorkerProcess(argv, name=name, env=env, host=host, log_path=tmp_path / f"{name}.log")


async def test_a_host_that_never_answers_is_said_to_be_maybe_its_connection(
    stand_in: dict, tmp_path: Path
) -> None:
    far = env_worker(tmp_path, "blackhole", "env_worker@blackhole")
    with pytest.raises(WorkerTimeout) as failed:
        await far.start(timeout=0.5)
    assert failed.value.summary == (
        "env_worker@blackhole did not send its init event within 0.5 s: the worker or its ssh"
        " connection to blackhole may be hung; `mosaic-tui doctor blackhole` checks the"
        " connection (its log may say why)"
    )
    # a local worker's silence is still its own
    here = WorkerProcess([sys.executable, "-c", SILENT], name="here")
    with pytest.raises(WorkerTimeout) as failed:
        await here.start(timeout=0.5)
    assert failed.value.summary == (
        "here did not send its init event within 0.5 s; it may be hung (its log may say why)"
    )


async def test_a_link_gone_silent_mid_run_is_said_to_be_maybe_the_connection(
    stand_in: dict, tmp_path: Path
) -> None:
    stand_in["body"] = INIT_THEN_SILENT
    far = env_worker(tmp_path, "user@box", "env_worker@user@box")
    await far.start(timeout=10)
    try:
        with pytest.raises(WorkerTimeout) as failed:
            await far.request(Ping(), Pong, timeout=0.5)
    finally:
        await far.stop(grace=0.2, term_grace=0.5)
    assert failed.value.summary == (
        "env_worker@user@box did not send an answer to 'ping' within 0.5 s: the worker or its"
        " ssh connection to user@box may be hung; `mosaic-tui doctor user@box` checks the"
        " connection (its log may say why)"
    )


async def test_a_remote_workers_log_starts_with_where_and_with_which_python(
    stand_in: dict, tmp_path: Path
) -> None:
    hosts = tmp_path / "hosts.toml"
    hosts.write_text('[hosts.box]\npython = "/nonexistent/bin/python"\n')
    stand_in["body"] = INIT_THEN_SILENT
    far = env_worker(tmp_path, "box", "env_worker@box")
    await far.start(timeout=10)
    await far.stop(grace=0.2, term_grace=0.5)
    first = (tmp_path / "env_worker@box.log").read_text().splitlines()[0]
    assert first.startswith("--- ") and first.endswith(
        " start on box (python: /nonexistent/bin/python):"
        " env_worker --run-id msg-run-1 --env-id FrozenLake-v1"
    )
    assert sys.executable not in first and "run_module" not in first
    # a host without settings runs the default python3 there
    plain = env_worker(tmp_path, "other", "env_worker@other")
    await plain.start(timeout=10)
    await plain.stop(grace=0.2, term_grace=0.5)
    first = (tmp_path / "env_worker@other.log").read_text().splitlines()[0]
    assert " start on other (python: python3): env_worker --run-id msg-run-1" in first


async def test_an_exit_while_waiting_names_mosaic_tui_not_the_app(tmp_path: Path) -> None:
    gone = WorkerProcess([sys.executable, "-c", "raise SystemExit(4)"], name="gone")
    with pytest.raises(WorkerError) as failed:
        await gone.start(timeout=10)
    assert failed.value.summary == (
        "gone exited while mosaic-tui waited for its init event (exit code 4)"
    )
