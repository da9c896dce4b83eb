"""`mosaic-tui export --format minari`: recorded episodes replayed into Minari datasets, read
back with `minari.load_dataset`. Needs the `minari` extra (CI's rl venv); without it the
command names the install (checked with a stand-in package that fails to import)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cli_helpers import cli

EXPERIMENT = """
name = "to minari"
[execution]
episodes = 3
seed = 2
[[operators]]
id = "grid"
env_name = "minigrid"
task = "MiniGrid-Empty-5x5-v0"
max_steps = 20
workers.agent = { type = "baseline", behavior = "random" }
[[operators]]
id = "lake"
env_name = "toytext"
task = "FrozenLake-v1"
workers.agent = { type = "baseline", behavior = "random" }
[[operators]]
id = "ttt"
env_name = "pettingzoo_classic"
task = "tictactoe_v3"
workers.player_1 = { type = "baseline" }
workers.player_2 = { type = "baseline" }
"""


def recorded(tmp_path: Path) -> tuple[Path, str]:
    file, db = tmp_path / "e.toml", tmp_path / "e.db"
    file.write_text(EXPERIMENT)
    assert cli("run", str(file), "--db", str(db), tmp_path=tmp_path).returncode == 0
    with sqlite3.connect(db) as conn:
        (session,) = conn.execute("SELECT session_id FROM sessions").fetchone()
    return db, session


def test_without_minari_the_export_names_the_install(tmp_path: Path) -> None:
    db, session = recorded(tmp_path)
    fake = tmp_path / "missing" / "minari"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('raise ImportError("No module named minari")\n')
    result = cli("export", session, "--format", "minari", "--db", str(db), tmp_path=tmp_path,
                 env={"PYTHONPATH": str(fake.parent)})  # fmt: skip
    assert result.returncode == 2 and "pip install 'mosaic-tui[minari]'" in result.stderr


def test_episodes_become_minari_datasets(tmp_path: Path) -> None:
    minari = pytest.importorskip("minari")
    pytest.importorskip("jax")  # Minari writes datasets with it (minari[create])
    db, session = recorded(tmp_path)
    env = {"MINARI_DATASETS_PATH": str(tmp_path / "datasets")}
    result = cli("export", session, "--format", "minari", "--db", str(db), tmp_path=tmp_path,
                 env=env, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "mosaic/minigrid-empty-5x5-grid-v0: 3 episodes" in result.stdout
    assert "ttt" not in result.stdout  # a two-player game: Minari datasets are single-agent
    import os

    os.environ["MINARI_DATASETS_PATH"] = env["MINARI_DATASETS_PATH"]
    with sqlite3.connect(db) as conn:
        for op, dataset in (("grid", "mosaic/minigrid-empty-5x5-grid-v0"),
                            ("lake", "mosaic/frozenlake-lake-v0")):  # fmt: skip
            recorded_eps = conn.execute(
                "SELECT e.length, e.total_reward FROM episodes e JOIN runs r USING (run_id)"
                " WHERE r.operator_id = ? ORDER BY e.episode_index", (op,)).fetchall()  # fmt: skip
            loaded = minari.load_dataset(dataset)
            assert loaded.total_episodes == 3
            got = [(len(ep.actions), float(ep.rewards.sum())) for ep in loaded.iterate_episodes()]
            assert got == [(n, pytest.approx(r)) for n, r in recorded_eps]
    (first,) = list(minari.load_dataset("mosaic/minigrid-empty-5x5-grid-v0").sample_episodes(1))
    assert first.observations["image"].shape[1:] == (7, 7, 3)  # rebuilt by replaying
    again = cli("export", session, "--format", "minari", "--operator", "ttt", "--db", str(db),
                tmp_path=tmp_path, env=env)  # fmt: skip
    assert again.returncode == 2 and "Minari datasets are single-agent" in again.stderr
