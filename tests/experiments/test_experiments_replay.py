"""A recorded episode replayed from its seed and actions: the same rewards and ending, frames
to draw; a recording the env does not reproduce is named at its first differing step."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from mosaic_tui.core import OperatorConfig
from mosaic_tui.experiments import parse, run_experiment
from mosaic_tui.protocol import FrameRequest
from mosaic_tui.runtime.replay import EpisodeReplay, recorded_steps
from mosaic_tui.telemetry import TelemetryStore

GAMES = [
    {"id": "grid", "env_name": "minigrid", "task": "MiniGrid-Empty-5x5-v0", "max_steps": 40,
     "workers": {"agent": {"type": "baseline", "behavior": "random"}}},
    {"id": "ttt", "env_name": "pettingzoo_classic", "task": "tictactoe_v3",
     "workers": {"player_1": {"type": "baseline", "behavior": "random"},
                 "player_2": {"type": "baseline", "behavior": "random"}}},
    {"id": "rps", "env_name": "pettingzoo_classic", "task": "rps_v2",
     "execution_mode": "parallel",
     "workers": {"player_0": {"type": "baseline", "behavior": "random"},
                 "player_1": {"type": "baseline", "behavior": "cycling"}}},
]  # fmt: skip


def record(tmp_path: Path) -> tuple[Path, str]:
    db = tmp_path / "runs.sqlite"
    spec = parse({"execution": {"episodes": 2, "seeds": [3, 4]}, "operators": GAMES})
    with TelemetryStore.open(db) as store:
        result = asyncio.run(run_experiment(spec, store, log_dir=tmp_path))
        assert not result.failed, [o.error for o in result.outcomes]
    return db, result.session_id


def replay(db: Path, session: str, operator: str, episode: int) -> list:
    with TelemetryStore.open(db) as store:
        (run,) = [r for r in store.runs(session) if r.operator_id == operator]
        seed = store.episodes(run.run_id)[episode].seed
        rows = store.step_table(run.run_id, episode)
    config = OperatorConfig.from_dict(run.config)

    async def play() -> list:
        box = FrameRequest(64, 64)
        return [r async for r in EpisodeReplay(config, seed, recorded_steps(rows), box).play()]

    return asyncio.run(play()), rows


def test_each_kind_of_game_replays_as_recorded(tmp_path: Path) -> None:
    db, session = record(tmp_path)
    for game in ("grid", "ttt", "rps"):
        for episode in (0, 1):
            replayed, rows = replay(db, session, game, episode)
            steps = sorted({row[1] for row in rows})
            assert [r.step_index for r in replayed] == [0, *steps], game
            assert all(r.mismatch is None for r in replayed), (game, replayed)
    grid, _ = replay(db, session, "grid", 0)
    assert all(r.frame is not None and r.frame.width <= 64 for r in grid)


def test_a_recording_the_env_does_not_reproduce_is_named(tmp_path: Path) -> None:
    db, session = record(tmp_path)
    with sqlite3.connect(db) as conn:
        (run_id,) = conn.execute(
            "SELECT run_id FROM runs WHERE session_id = ? AND operator_id = 'ttt'", (session,)
        ).fetchone()
        (last,) = conn.execute(
            "SELECT MAX(step_index) FROM steps WHERE run_id = ? AND episode_index = 0",
            (run_id,)).fetchone()  # fmt: skip
        conn.execute("UPDATE steps SET reward = 5.0, terminated = 0 WHERE run_id = ? AND"
                     " episode_index = 0 AND step_index = ?", (run_id, last))  # fmt: skip
    replayed, _ = replay(db, session, "ttt", 0)
    (odd,) = [r for r in replayed if r.mismatch]
    assert odd.step_index == last
    assert "reward 5 then" in odd.mismatch and "terminated False then True" in odd.mismatch


def test_a_trained_policy_s_episode_replays_without_its_file(tmp_path: Path) -> None:
    """The env worker played the policy itself; the replay plays the recorded actions, so a
    policy file moved away since does not stop it."""
    source = Path(__file__).resolve().parents[2] / "examples" / "policies" / "cartpole_mlp.npz"
    policy = tmp_path / "cartpole.npz"
    policy.write_bytes(source.read_bytes())
    db = tmp_path / "runs.sqlite"
    game = {"id": "pole", "env_name": "classic_control", "task": "CartPole-v1", "max_steps": 30,
            "workers": {"agent": {"type": "rl", "policy_path": str(policy)}}}  # fmt: skip
    spec = parse({"execution": {"episodes": 1, "seeds": [5]}, "operators": [game]})
    with TelemetryStore.open(db) as store:
        result = asyncio.run(run_experiment(spec, store, log_dir=tmp_path))
        assert not result.failed, [o.error for o in result.outcomes]
    policy.unlink()
    replayed, rows = replay(db, result.session_id, "pole", 0)
    assert [r.step_index for r in replayed] == [0, *sorted({row[1] for row in rows})]
    assert len(rows) == 30 and all(r.mismatch is None for r in replayed)
