"""`run --backend ray`: the episodes played as Ray tasks on a local cluster
(`ray.init(num_cpus=2)`) record the step tables the local runner records; a failing worker, a
stop and a resume behave as they do locally. Without Ray (the default venv) only the refusals
run: the missing extra's message, a human player, --address without the backend."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mosaic_tui.cli.main import main
from mosaic_tui.experiments import ExperimentSpec, load, parse, ray_backend, run_experiment
from mosaic_tui.experiments.ray_backend import MISSING, RayBackendError, run_experiment_on_ray
from mosaic_tui.runtime import EpisodeEnded
from mosaic_tui.telemetry import TelemetryStore

ROOT = Path(__file__).resolve().parents[2]

RANDOM = {"type": "baseline", "behavior": "random"}
TWO_OPERATORS = {
    "name": "ray-and-local",
    "execution": {"episodes": 10, "seed": 4},
    "operators": [
        {"id": "grid", "env_name": "minigrid", "task": "MiniGrid-Empty-5x5-v0",
         "max_steps": 40, "workers": {"agent": RANDOM}},
        {"id": "lake", "env_name": "toytext", "task": "FrozenLake-v1",
         "workers": {"agent": RANDOM}},
        {"id": "ttt", "env_name": "pettingzoo_classic", "task": "tictactoe_v3",
         "workers": {"player_1": RANDOM, "player_2": {"type": "baseline", "behavior": "cycling"}}},
    ],
}  # fmt: skip
LONG = """
name = "long"
[execution]
episodes = 400
seed = 0
max_steps = 50
[[operators]]
id = "grid"
env_name = "minigrid"
task = "MiniGrid-Empty-8x8-v0"
workers.agent = { type = "baseline", behavior = "random" }
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        yield ray
    finally:
        ray.shutdown()


def tables(store: TelemetryStore, session: str) -> dict[str, list]:
    return {r.operator_id: store.step_table(r.run_id) for r in store.runs(session)}


def episodes(store: TelemetryStore, session: str) -> dict[str, list]:
    """What an episode row says apart from its wall-clock times."""
    return {
        r.operator_id: [
            (
                e.episode_index,
                e.seed,
                e.total_reward,
                e.length,
                e.terminated,
                e.truncated,
                e.rewards,
                e.success,
            )
            for e in store.episodes(r.run_id)
        ]
        for r in store.runs(session)
    }


# Ray's workers are real processes (`subprocess`: no in-process workers in the driver either)
@pytest.mark.ray
@pytest.mark.subprocess
@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.usefixtures("cluster")
def test_ray_records_the_step_tables_the_local_runner_records(tmp_path: Path, stream: bool) -> None:
    spec = parse(TWO_OPERATORS)
    heard: list[EpisodeEnded] = []
    with TelemetryStore.open(tmp_path / "runs.sqlite") as store:
        local = asyncio.run(run_experiment(spec, store, log_dir=tmp_path, stream=stream))
        remote = asyncio.run(
            run_experiment_on_ray(
                spec, store, log_dir=tmp_path, stream=stream, chunk=3,  # 3 + 3 + 3 + 1
                listener=lambda e: heard.append(e) if isinstance(e, EpisodeEnded) else None,
            )
        )  # fmt: skip
        assert not local.failed and not remote.failed, [o.error for o in remote.failed]
        assert tables(store, remote.session_id) == tables(store, local.session_id)
        assert episodes(store, remote.session_id) == episodes(store, local.session_id)
        assert all(len(t) > 10 for t in tables(store, remote.session_id).values())
        assert [r.status for r in store.runs(remote.session_id)] == ["finished"] * 3
        by_operator = {o.config.operator_id: o for o in remote.outcomes}
        assert by_operator["ttt"].summary is not None
        assert by_operator["ttt"].summary.player_returns is not None  # per-player rewards
        grid = [e.episode for e in heard if e.operator_id == "grid"]
        assert sorted(grid) == list(range(10))  # every episode told once (the progress bars)
        session = store.session(remote.session_id)
        assert session is not None and session.source == "run"


@pytest.mark.ray
@pytest.mark.subprocess
@pytest.mark.usefixtures("cluster")
def test_a_failing_worker_ends_its_run_with_error_and_the_others_finish(tmp_path: Path) -> None:
    broken = {"id": "broken", "env_name": "toytext", "task": "FrozenLake-v1",
              "env_settings": {"no_such_setting": 1}, "workers": {"agent": RANDOM}}  # fmt: skip
    spec = parse({**TWO_OPERATORS, "operators": [TWO_OPERATORS["operators"][1], broken]})
    with TelemetryStore.open(tmp_path / "runs.sqlite") as store:
        result = asyncio.run(run_experiment_on_ray(spec, store, log_dir=tmp_path, chunk=4))
        assert [o.config.operator_id for o in result.failed] == ["broken"]
        assert "no_such_setting" in (result.failed[0].error or "")
        assert "Traceback" not in (result.failed[0].error or "")
        runs = {r.operator_id: r for r in store.runs(result.session_id)}
        assert runs["broken"].status == "error" and "no_such_setting" in (
            runs["broken"].error or ""
        )
        assert runs["lake"].status == "finished" and len(store.episodes(runs["lake"].run_id)) == 10
        assert store.episodes(runs["broken"].run_id) == []


@pytest.mark.ray
@pytest.mark.subprocess
@pytest.mark.usefixtures("cluster")
def test_a_stop_keeps_what_was_written_and_a_resume_completes_it(tmp_path: Path) -> None:
    (tmp_path / "long.toml").write_text(LONG)
    spec = load(tmp_path / "long.toml")
    with TelemetryStore.open(tmp_path / "runs.sqlite") as store:

        async def stopped_early():
            stop = asyncio.Event()

            def listen(event: object) -> None:
                if isinstance(event, EpisodeEnded) and event.episode == 0:
                    stop.set()  # the first episode is back: most of the work is still to do

            return await run_experiment_on_ray(spec, store, log_dir=tmp_path, listener=listen,
                                               stop=stop, chunk=50)  # fmt: skip

        cut = asyncio.run(stopped_early())
        assert cut.interrupted and not cut.failed
        (run,) = store.runs(cut.session_id)
        assert run.status == "interrupted"
        kept = [e.episode_index for e in store.episodes(run.run_id)]
        assert kept == list(range(len(kept))) and 0 < len(kept) < 400  # a prefix, no gap
        resumed = asyncio.run(
            run_experiment_on_ray(spec, store, log_dir=tmp_path, resume=cut.session_id, chunk=100)
        )
        assert resumed.session_id == cut.session_id and not resumed.failed
        whole = asyncio.run(run_experiment(spec, store, log_dir=tmp_path))
        assert tables(store, cut.session_id) == tables(store, whole.session_id)
        assert [r.status for r in store.runs(cut.session_id)] == ["finished"]


def write_long(tmp_path: Path) -> Path:
    path = tmp_path / "long.toml"
    path.write_text(LONG)
    return path


def cli(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "MOSAIC_TUI_DATA_DIR": str(tmp_path / "data"),
           "MOSAIC_TUI_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "160"}  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "mosaic_tui.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db, timeout=10)
    try:
        return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


@pytest.mark.ray
@pytest.mark.subprocess
def test_the_command_joins_a_cluster_by_address_and_ctrl_c_interrupts_it(
    tmp_path: Path, cluster: Any
) -> None:
    address = cluster.get_runtime_context().gcs_address
    db = tmp_path / "r.sqlite"
    small = tmp_path / "small.toml"
    small.write_text(LONG.replace("episodes = 400", "episodes = 6"))
    done = cli(tmp_path, "run", str(small), "--db", str(db), "--backend", "ray",
               "--address", address)  # fmt: skip
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    assert "6/6" in out and "finished" in out and "Traceback" not in err
    assert count(db, "SELECT COUNT(*) FROM episodes") == 6

    longer = tmp_path / "longer.toml"  # far longer than the test waits
    longer.write_text(LONG.replace("episodes = 400", "episodes = 100000"))
    proc = cli(tmp_path, "run", str(longer), "--db", str(db), "--backend", "ray",
               "--address", address)  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while count(db, "SELECT COUNT(*) FROM episodes") <= 6 and time.monotonic() < deadline:
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted by SIGINT" in err and "Traceback" not in err
    conn = sqlite3.connect(db)
    statuses = [s for (s,) in conn.execute("SELECT status FROM runs ORDER BY started_at")]
    conn.close()
    assert statuses == ["finished", "interrupted"]
    assert cluster.is_initialized()  # the command left the cluster it joined running


@pytest.mark.ray
@pytest.mark.subprocess
def test_an_address_nobody_answers_at_fails_the_runs_with_the_fix(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    with socket.socket() as free:  # a port that was free a moment ago: nothing listens there
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    db = tmp_path / "r.sqlite"
    proc = cli(tmp_path, "run", str(write_long(tmp_path)), "--db", str(db), "--backend", "ray",
               "--address", f"127.0.0.1:{port}")  # fmt: skip
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert f"nothing answers at 127.0.0.1:{port}" in err and "ray start --head" in err
    conn = sqlite3.connect(db)
    assert [s for (s,) in conn.execute("SELECT status FROM runs")] == ["error"]
    conn.close()


# ---------------------------------------------------------------- refusals (no Ray needed)


def test_without_ray_the_backend_says_which_extra_installs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as if not installed
    spec = parse(TWO_OPERATORS)
    with pytest.raises(RayBackendError) as caught:
        ray_backend.check(spec)
    assert str(caught.value) == MISSING
    assert "pip install 'mosaic-tui[ray]'" in MISSING
    file = write_long(tmp_path)
    db = tmp_path / "r.sqlite"
    assert main(["run", str(file), "--db", str(db), "--backend", "ray"]) == 2
    assert "pip install 'mosaic-tui[ray]'" in capsys.readouterr().err
    assert not db.exists()  # refused before anything was recorded
    with TelemetryStore.open(tmp_path / "api.sqlite") as store, pytest.raises(RayBackendError):
        asyncio.run(run_experiment_on_ray(spec, store))


def human_spec() -> ExperimentSpec:
    return parse({**TWO_OPERATORS, "operators": [
        TWO_OPERATORS["operators"][1],
        {"id": "at-the-keys", "env_name": "toytext", "task": "FrozenLake-v1",
         "workers": {"agent": {"type": "human"}}},
    ]})  # fmt: skip


def test_a_human_player_is_refused_naming_the_operator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(RayBackendError, match="'at-the-keys' has a human player"):
        ray_backend.check(human_spec())
    file = tmp_path / "human.toml"
    file.write_text(
        '[[operators]]\nid = "at-the-keys"\nenv_name = "toytext"\ntask = "FrozenLake-v1"\n'
        'workers.agent = { type = "human" }\n'
    )
    assert main(["run", str(file), "--db", str(tmp_path / "r.sqlite"), "--backend", "ray"]) == 2
    err = capsys.readouterr().err
    assert "at-the-keys" in err and "mosaic-tui app" in err


def test_address_needs_the_ray_backend(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write_long(tmp_path)
    assert main(["run", str(file), "--db", str(tmp_path / "r.sqlite"), "--address", "x:1"]) == 2
    assert "--backend ray" in capsys.readouterr().err


def test_chunks_are_few_and_large() -> None:
    assert ray_backend.chunk_size(1000, 2) == 250  # two per CPU
    assert ray_backend.chunk_size(100, 2) == ray_backend.MIN_CHUNK  # start-up amortised
    assert ray_backend.chunk_size(10, 8) == 10  # never more than there are
