"""A trained `.npz` policy that plays an operator's one seat runs inside the env worker: no
decision worker, whole episodes stream, and the actions are the ones rl_worker gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from runtime_helpers import collect

from mosaic_tui.core import OperatorConfig, WorkerAssignment
from mosaic_tui.runtime import OperatorRunner, RunnerEvent, StepTaken, WorkerError
from mosaic_tui.runtime.players import SelfDriving, WorkerPlayer, env_plays

POLICIES = Path(__file__).resolve().parents[2] / "examples" / "policies"
CARTPOLE = str(POLICIES / "cartpole_mlp.npz")
LAKE = str(POLICIES / "frozenlake_qtable.npz")


def rl(task: str, family: str, path: str, **settings: object) -> OperatorConfig:
    return OperatorConfig.single_agent(
        "op", "Op", "rl_worker", "rl", env_name=family, task=task, max_steps=60,
        settings={"policy_path": path, **settings},
    )  # fmt: skip


def steps(events: list[RunnerEvent]) -> list[tuple]:
    return [
        (e.episode, e.step_index, e.action, e.reward, e.terminated, e.truncated)
        for e in events
        if isinstance(e, StepTaken)
    ]


@pytest.mark.parametrize(
    ("task", "family", "path", "settings"),
    [
        ("CartPole-v1", "classic_control", CARTPOLE, {}),
        ("CartPole-v1", "classic_control", CARTPOLE, {"mode": "sample", "seed": 5}),
        ("FrozenLake-v1", "toytext", LAKE, {}),
    ],
)
async def test_the_env_worker_plays_a_trained_policy_as_rl_worker_does(
    tmp_path: Path, task: str, family: str, path: str, settings: dict
) -> None:
    config = rl(task, family, path, **settings)
    hosted = OperatorRunner(config, log_dir=tmp_path / "hosted")
    assert hosted.self_driving and isinstance(hosted.player, SelfDriving)
    apart = OperatorRunner(config, log_dir=tmp_path / "apart", self_drive=False)
    assert isinstance(apart.player, WorkerPlayer)
    seeds = [1, 2, 3]
    streamed = await collect(hosted, seeds)  # whole episodes in one request
    asked = await collect(apart, seeds, stream=False)  # rl_worker asked every step
    assert steps(streamed) == steps(asked)
    assert len(steps(streamed)) >= len(seeds)
    if settings.get("mode") == "sample":  # it samples: not the greedy actions
        greedy = await collect(OperatorRunner(rl(task, family, path), log_dir=tmp_path), seeds)
        assert steps(greedy) != steps(streamed)


def test_only_what_the_env_worker_can_play_like_rl_worker_is_hosted() -> None:
    def seat(**settings: object) -> WorkerAssignment:
        return WorkerAssignment("rl_worker", "rl", settings=dict(settings))

    assert env_plays(seat(policy_path="p.npz", mode="sample", seed=3)) == {
        "policy_path": "p.npz", "policy_mode": "sample", "policy_seed": 3,
    }  # fmt: skip
    assert env_plays(seat(policy_path="p.npz", record="probabilities")) is None  # kept per step
    assert env_plays(seat(policy_path="ppo.zip")) is None  # PyTorch: rl_worker's extra
    assert env_plays(seat(policy_path="model.onnx")) is None
    assert env_plays(WorkerAssignment("my_rl", "rl", settings={"policy_path": "p.npz"})) is None


async def test_two_seats_keep_their_decision_workers(tmp_path: Path) -> None:
    policy = {"policy_path": str(POLICIES / "tictactoe_ppo.npz")}
    config = OperatorConfig.multi_agent(
        "ttt", "T", "pettingzoo_classic", "tictactoe_v3",
        {p: WorkerAssignment("rl_worker", "rl", dict(policy)) for p in ("player_1", "player_2")},
    )  # fmt: skip
    runner = OperatorRunner(config, log_dir=tmp_path)
    assert not runner.self_driving
    assert all(isinstance(p, WorkerPlayer) for p in runner.players.values())


async def test_a_policy_that_does_not_fit_the_env_fails_its_start_naming_both(
    tmp_path: Path,
) -> None:
    runner = OperatorRunner(rl("FrozenLake-v1", "toytext", CARTPOLE), log_dir=tmp_path)
    with pytest.raises(WorkerError, match="cartpole_mlp.npz has 2 actions; this env has 4"):
        await runner.start()
    await runner.stop()
