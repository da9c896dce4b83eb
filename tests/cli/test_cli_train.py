"""`mosaic-tui train`: the trainer runs as a subprocess (mosaic_tui never imports a worker), its
events become a progress bar and a learning curve in the store. Training itself needs the `rl`
extra; what happens without it is checked here with stand-in packages that fail to import."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import cli


def without(tmp_path: Path, *packages: str) -> dict[str, str]:
    """An environment in which importing each package fails, as if it were not installed."""
    fake = tmp_path / "missing"
    for name in packages:
        (fake / name).mkdir(parents=True)
        (fake / name / "__init__.py").write_text(f'raise ImportError("No module named {name}")\n')
    return {"PYTHONPATH": str(fake)}


def test_train_without_the_rl_extra_names_the_install(tmp_path: Path) -> None:
    result = cli(
        "train", "CartPole-v1", "-o", str(tmp_path / "p.zip"), "--db", str(tmp_path / "t.db"),
        tmp_path=tmp_path, env=without(tmp_path, "stable_baselines3"),
    )  # fmt: skip
    assert result.returncode == 2
    assert "needs stable-baselines3" in result.stderr and "mosaic-tui[rl]" in result.stderr
    assert not (tmp_path / "p.zip").exists()
    listing = cli("sessions", "--db", str(tmp_path / "t.db"), tmp_path=tmp_path)
    assert "(train)" not in listing.stdout  # nothing began, nothing is recorded


def test_train_refuses_a_bad_output_and_bad_steps_before_starting(tmp_path: Path) -> None:
    result = cli("train", "CartPole-v1", "-o", str(tmp_path / "p.pkl"), tmp_path=tmp_path)
    assert result.returncode == 2 and "write a .zip (SB3), a .npz or an" in result.stderr
    result = cli("train", "CartPole-v1", "--steps", "0", "-o", "p.zip", tmp_path=tmp_path)
    assert result.returncode == 2 and "--steps must be at least 1" in result.stderr


def fake_trainer(tmp_path: Path, body: str) -> dict[str, str]:
    """A stand-in `rl_worker.train` package whose events are `body` (Python printing lines)."""
    fake = tmp_path / "fake"
    (fake / "rl_worker").mkdir(parents=True)
    (fake / "rl_worker" / "__init__.py").write_text("")
    (fake / "rl_worker" / "train.py").write_text(body)
    return {"PYTHONPATH": str(fake)}


EPISODE = (
    '{"type": "episode", "index": 0, "timesteps": 9, "total_reward": 1.5, "length": 9,'
    ' "terminated": true, "truncated": false, "started_at": 1.0, "ended_at": 2.0}'
)


def test_a_trainer_that_dies_midway_leaves_its_curve_and_a_failed_run(tmp_path: Path) -> None:
    body = (
        "import sys, json\n"
        "print(json.dumps({'type': 'started'}), flush=True)\n"
        f"print({EPISODE!r}, flush=True)\n"
        "print('not json at all', flush=True)\n"  # a stray line: ignored
        "print(json.dumps({'type': 'episode', 'index': 1}), flush=True)\n"  # malformed
        "print(json.dumps({'type': 'progress', 'timesteps': None}), flush=True)\n"
        "sys.exit(3)\n"
    )
    db = tmp_path / "t.db"
    result = cli("train", "CartPole-v1", "-o", str(tmp_path / "p.zip"), "--db", str(db),
                 tmp_path=tmp_path, env=fake_trainer(tmp_path, body))  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "not recorded, malformed episode event" in result.stderr
    assert "training stopped (the trainer exited with code 3)" in result.stderr
    from mosaic_tui.telemetry import TelemetryStore

    with TelemetryStore.open(db) as store:
        (run,) = store.runs()
        assert run.status == "failed" and "code 3" in (run.error or "")
        (episode,) = store.episodes(run.run_id)  # the good one, kept
        assert (episode.total_reward, episode.length) == (1.5, 9)
