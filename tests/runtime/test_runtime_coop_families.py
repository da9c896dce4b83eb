"""ini's MultiGrid and Overcooked through the runner: cooperative, every agent at once.

Need the `ini_multigrid` and `overcooked` extras; `.ci/run` installs them in its families venv
and runs this file."""

from __future__ import annotations

from pathlib import Path

import pytest
from runtime_helpers import collect

from mosaic_tui.core import OperatorConfig, WorkerAssignment
from mosaic_tui.envs import FAMILIES
from mosaic_tui.protocol import FrameRequest
from mosaic_tui.runtime import EpisodeEnded, OperatorRunner, StepTaken

ini = pytest.mark.skipif(
    not FAMILIES["ini_multigrid"].installed,
    reason="ini's multigrid is not installed: pip install -e '.[ini_multigrid]'",
)
overcooked = pytest.mark.skipif(
    not FAMILIES["overcooked"].installed,
    reason="overcooked-ai is not installed: pip install -e '.[overcooked]'",
)


def team(family: str, task: str, players: tuple[str, ...], **fields) -> OperatorConfig:
    random = WorkerAssignment("baseline_worker", "baseline", {"behavior": "random"})
    return OperatorConfig.multi_agent(
        "coop", task, family, task, {p: random.copy() for p in players}, "parallel", **fields
    )


def steps(events: list) -> list[tuple]:
    return [(e.step_index, e.actions, e.rewards) for e in events if isinstance(e, StepTaken)]


@ini
async def test_ini_multigrid_plays_two_agents_at_once_with_frames(tmp_path: Path) -> None:
    config = team("ini_multigrid", "MultiGrid-Empty-5x5-v0", ("agent_0", "agent_1"), max_steps=30)
    frame = FrameRequest(40, 40)
    first = await collect(
        OperatorRunner(config, log_dir=tmp_path, frame=frame), [1, 2], stream=False
    )
    again = await collect(
        OperatorRunner(config, log_dir=tmp_path, frame=frame), [1, 2], stream=False
    )
    assert steps(first) == steps(again)  # seeded: the same episodes
    taken = [e for e in first if isinstance(e, StepTaken)]
    assert taken and all(set(e.actions) == {"agent_0", "agent_1"} for e in taken[:3])
    assert all(e.frame is not None for e in taken)
    assert len([e for e in first if isinstance(e, EpisodeEnded)]) == 2


@ini
def test_ini_multigrid_has_two_agents_unless_told() -> None:
    from mosaic_tui.envs import agent_ids, make_env

    assert agent_ids("MultiGrid-Empty-8x8-v0") == ["agent_0", "agent_1"]
    three = make_env("MultiGrid-Empty-8x8-v0", render_mode=None, agents=3)
    try:
        assert len(three.unwrapped.agents) == 3
    finally:
        three.close()


@overcooked
async def test_overcooked_two_cooks_frames_and_the_horizon(tmp_path: Path) -> None:
    config = team(
        "overcooked",
        "Overcooked-cramped_room",
        ("player_0", "player_1"),
        env_settings={"horizon": 25, "shaped": True},
    )
    runner = OperatorRunner(config, log_dir=tmp_path, frame=FrameRequest(48, 48))
    events = await collect(runner, [0, 1], stream=False)  # a streamed run sends no frames
    ends = [e for e in events if isinstance(e, EpisodeEnded)]
    assert [(e.length, e.truncated, e.terminated) for e in ends] == [(25, True, False)] * 2
    taken = [e for e in events if isinstance(e, StepTaken)]
    assert all(e.frame is not None and e.frame.width == 48 for e in taken)  # 150x120 fitted
    assert all(set(e.actions) == {"player_0", "player_1"} for e in taken)


@overcooked
def test_overcooked_refuses_a_bad_horizon() -> None:
    from mosaic_tui.envs import EnvError, make_env

    with pytest.raises((EnvError, ValueError), match="horizon"):
        make_env("Overcooked-cramped_room", horizon=0)
