"""mosaic-multigrid through the runner: simultaneous steps, settings reaching the decision
workers, and a hybrid team with a human.

Needs the `multigrid` extra; `.ci/run` installs it in a second venv and runs these files."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

pytest.importorskip(
    "mosaic_multigrid", reason="mosaic-multigrid is not installed: pip install -e '.[multigrid]'"
)

from runtime_helpers import collect, settle  # noqa: E402

from mosaic_tui.core import OperatorConfig, WorkerAssignment  # noqa: E402
from mosaic_tui.runtime import EpisodeEnded, Notice, OperatorRunner, Session, StepTaken  # noqa: E402

SOCCER = "MosaicMultiGrid-S-2v2-IndAgObs-v1"
AGENTS = ["agent_0", "agent_1", "agent_2", "agent_3"]


def config(players: dict[str, WorkerAssignment], **kw) -> OperatorConfig:
    return OperatorConfig.multi_agent(
        "mg", "Soccer", "multigrid", SOCCER, players, execution_mode="parallel", **kw
    )


def baseline(behavior: str) -> WorkerAssignment:
    return WorkerAssignment("baseline_worker", "baseline", {"behavior": behavior})


async def test_a_random_2v2_match_plays_to_the_step_limit(tmp_path: Path) -> None:
    runner = OperatorRunner(
        config({a: baseline("random") for a in AGENTS}, max_steps=40), log_dir=tmp_path
    )
    events = await collect(runner, [1])
    assert any(isinstance(e, Notice) and "Numba" in e.message for e in events)
    steps = [e for e in events if isinstance(e, StepTaken)]
    assert len(steps) == 40 and all(set(s.actions) == set(AGENTS) for s in steps)
    (end,) = [e for e in events if isinstance(e, EpisodeEnded)]
    assert end.truncated and set(end.rewards) == set(AGENTS)


@pytest.mark.subprocess  # reads what the worker wrote to its own log (stderr)
async def test_settings_reach_the_decision_workers(tmp_path: Path) -> None:
    players = {a: baseline("cycling" if a == "agent_3" else "random") for a in AGENTS}
    runner = OperatorRunner(config(players, view_size=5, max_steps=3), log_dir=tmp_path)
    await collect(runner, [0], stream=False)
    log = (tmp_path / f"{runner.run_id}.agent_3.log").read_text()
    assert "playing agent_3 (team blue)" in log and "'view_size': 5" in log


async def test_a_hybrid_team_waits_for_its_human(tmp_path: Path) -> None:
    """Human, two kinds of baseline and an LLM (the mock endpoint, answering with the first
    legal action: noop) on one pitch."""
    from llm_worker.mock_server import start

    server, url = start("first")
    players = {
        "agent_0": WorkerAssignment("human", "human"),
        "agent_1": baseline("cycling"),
        "agent_2": baseline("random"),
        "agent_3": WorkerAssignment("llm_worker", "llm", {"model": "mock", "base_url": url}),
    }
    session = Session(log_dir=tmp_path, seed=2)
    steps: list[StepTaken] = []
    session.listeners.append(lambda e: steps.append(e) if isinstance(e, StepTaken) else None)
    try:
        runner = await asyncio.wait_for(session.add(config(players, max_steps=20)), 90)
        assert runner.to_move == "agent_0" and runner.human_to_move
        session.run()
        await settle(lambda: session.keyboards["mg"].waiting)
        await asyncio.sleep(0.2)
        assert not steps  # the AI players chose; the step waits for the human
        assert await session.press("mg", 3) is None  # forward
        await settle(lambda: len(steps) == 1)
        actions = steps[0].actions
        assert actions["agent_0"] == 3 and actions["agent_1"] == 0 and actions["agent_3"] == 0
        log = (tmp_path / f"{runner.run_id}.agent_3.log").read_text()
        assert "as agent_3 on the blue team" in log  # the LLM was told its seat and team
    finally:
        await session.stop_all()
        server.shutdown()
