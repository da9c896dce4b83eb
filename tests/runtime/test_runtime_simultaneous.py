"""Simultaneous (parallel) operators through real workers: every player's decision-maker is
asked at once, humans included, then the env steps once."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from runtime_helpers import collect, settle

from mosaic_tui.core import OperatorConfig, WorkerAssignment
from mosaic_tui.runtime import (
    EpisodeEnded,
    OperatorFailed,
    OperatorRunner,
    RunnerEvent,
    Session,
    StepTaken,
    WorkerError,
)
from mosaic_tui.runtime.runner import Timeouts


def baseline(behavior: str) -> WorkerAssignment:
    return WorkerAssignment("baseline_worker", "baseline", {"behavior": behavior})


def rps(player_0: WorkerAssignment, player_1: WorkerAssignment, **kw) -> OperatorConfig:
    return OperatorConfig.multi_agent(
        "rps",
        "RPS",
        "pettingzoo_classic",
        "rps_v2",
        {"player_0": player_0, "player_1": player_1},
        execution_mode="parallel",
        max_steps=kw.pop("max_steps", 6),
        **kw,
    )


async def test_every_step_carries_both_players_actions(tmp_path: Path) -> None:
    runner = OperatorRunner(rps(baseline("cycling"), baseline("noop")), log_dir=tmp_path)
    assert not runner.self_driving  # two behaviours: a decision worker per player
    events = await collect(runner, [3], stream=False)
    steps = [e for e in events if isinstance(e, StepTaken)]
    assert len(steps) == 6 and runner.simultaneous
    assert [s.actions["player_0"] for s in steps[:3]] == [0, 1, 2]  # cycling
    assert {s.actions["player_1"] for s in steps} == {0}  # noop: the first legal action
    ended = [e for e in events if isinstance(e, EpisodeEnded)]
    assert sum(ended[0].rewards.values()) == 0  # zero-sum


async def test_self_driving_teams_stream_the_same_table_as_stepped_ones(tmp_path: Path) -> None:
    cfg = rps(baseline("random"), baseline("random"))
    streamed = await collect(OperatorRunner(cfg, log_dir=tmp_path), [4, 5])
    stepped = await collect(OperatorRunner(cfg, log_dir=tmp_path), [4, 5], stream=False)
    table = lambda ev: [
        (e.episode, e.step_index, e.actions) for e in ev if isinstance(e, StepTaken)
    ]  # noqa: E731
    assert table(streamed) == table(stepped) and len(table(stepped)) == 12


SLOW_WORKER = """
import sys, time
from baseline_worker.cli import main
if "--player-id" in sys.argv and sys.argv[sys.argv.index("--player-id") + 1] == "player_1":
    import baseline_worker.cli as cli
    act = cli.BaselinePolicy.act
    cli.BaselinePolicy.act = lambda self, mask=None: (time.sleep(30), act(self, mask))[1]
sys.exit(main())
"""


async def test_decisions_are_asked_at_once_and_a_slow_one_times_out_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mosaic_tui.runtime import launcher

    script = tmp_path / "slow_baseline.py"
    script.write_text(SLOW_WORKER)
    original = launcher.WorkerDefinition.command

    def command(self, run_id, settings=None, **kw):
        argv, env = original(self, run_id, settings, **kw)
        if self.worker_id == "baseline_worker":  # the same worker, started from the script
            argv = [sys.executable, str(script), *argv[3:]]
        return argv, env

    monkeypatch.setattr(launcher.WorkerDefinition, "command", command)
    runner = OperatorRunner(
        rps(baseline("cycling"), baseline("noop")),
        log_dir=tmp_path,
        timeouts=Timeouts(decision=1.0),
    )
    events: list[RunnerEvent] = []
    runner.listeners.append(events.append)
    await runner.start()
    try:
        await runner.reset(0)
        asked = asyncio.ensure_future(runner.step())
        # player_0 answered while player_1 was still thinking: asked at once, not in turn
        await settle(lambda: runner.waiting_for == ["player_1"])
        with pytest.raises(WorkerError, match=r"baseline_worker\[player_1\].*within 1 s"):
            await asked
        failed = [e for e in events if isinstance(e, OperatorFailed)]
        assert len(failed) == 1 and "player_1" in failed[0].message
        assert runner.step_index == 0  # nothing stepped on a partial set of actions
    finally:
        await runner.stop()


async def test_humans_share_the_keyboard_one_at_a_time(tmp_path: Path) -> None:
    cfg = rps(WorkerAssignment("human", "human"), WorkerAssignment("human", "human"))
    session = Session(log_dir=tmp_path, seed=1)
    steps: list[StepTaken] = []
    session.listeners.append(lambda e: steps.append(e) if isinstance(e, StepTaken) else None)
    try:
        runner = await session.add(cfg)
        assert runner.to_move == "player_0" and runner.human_to_move
        session.run()
        await settle(lambda: session.keyboards["rps"].waiting)
        assert await session.press("rps", 2) is None  # player_0: scissors
        await settle(lambda: runner.to_move == "player_1")
        assert not steps  # nobody moved yet: player_1 has not chosen
        assert await session.press("rps", 0) is None  # player_1: rock
        await settle(lambda: len(steps) == 1)
        assert steps[0].actions == {"player_0": 2, "player_1": 0}
        assert steps[0].rewards == {"player_0": -1.0, "player_1": 1.0}
        await settle(lambda: runner.to_move == "player_0")  # the keyboard goes back
    finally:
        await session.stop_all()


async def test_a_human_with_a_baseline_steps_after_one_key(tmp_path: Path) -> None:
    cfg = rps(WorkerAssignment("human", "human"), baseline("cycling"))
    session = Session(log_dir=tmp_path, seed=1)
    steps: list[StepTaken] = []
    session.listeners.append(lambda e: steps.append(e) if isinstance(e, StepTaken) else None)
    try:
        await session.add(cfg)
        assert await session.press("rps", 1) is None  # nothing waits: the key steps at once
        assert [s.actions for s in steps] == [{"player_0": 1, "player_1": 0}]
        stepping = asyncio.ensure_future(session.step_all())  # waits for the human's key
        await settle(lambda: session.keyboards["rps"].waiting)
        assert len(steps) == 1
        assert await session.press("rps", 2) is None
        await asyncio.wait_for(stepping, 10)
        assert steps[1].actions == {"player_0": 2, "player_1": 1}
    finally:
        await session.stop_all()


@pytest.mark.subprocess
async def test_a_seat_whose_worker_dies_stops_the_game_with_its_name(tmp_path: Path) -> None:
    import os
    import signal

    runner = OperatorRunner(rps(baseline("cycling"), baseline("random")), log_dir=tmp_path)
    await runner.start()
    try:
        await runner.reset(1)
        await runner.step()
        os.kill(runner.players["player_1"].process.pid, signal.SIGKILL)  # type: ignore[attr-defined]
        with pytest.raises(WorkerError, match=r"baseline_worker\[player_1\]"):
            await runner.step()
        assert runner.state.value == "error"
    finally:
        await runner.stop()


def test_a_view_size_for_a_task_without_one_is_refused_at_once() -> None:
    from mosaic_tui.runtime import LaunchError

    cfg = rps(baseline("random"), baseline("random"), view_size=5)
    with pytest.raises(LaunchError, match="view_size applies to MultiGrid tasks"):
        OperatorRunner(cfg)


async def test_listeners_are_told_who_is_still_to_choose(tmp_path: Path) -> None:
    from mosaic_tui.runtime import Asked, HumanKeyboard

    keyboard = HumanKeyboard()
    config = rps(WorkerAssignment("", "human"), baseline("noop"))
    runner = OperatorRunner(config, log_dir=tmp_path, keyboard=keyboard)
    asked: list[tuple[str, ...]] = []
    runner.listeners.append(lambda e: asked.append(e.agents) if isinstance(e, Asked) else None)
    await runner.start()
    try:
        await runner.reset(0)
        step = asyncio.ensure_future(runner.step())
        await settle(lambda: asked[-1:] == [("player_0",)])  # the baseline chose
        assert asked[0] == ("player_0", "player_1")  # at first both were to choose
        assert runner.waiting_for == ["player_0"] and keyboard.waiting
        assert keyboard.press(2)
        taken = await step
        assert taken is not None and taken.actions == {"player_0": 2, "player_1": 0}
        assert runner.labels == ["rock", "paper", "scissors"]  # named by the game's profile
        assert runner.last_moves == [("player_0", "scissors"), ("player_1", "rock")]
        assert runner.waiting_for == ["player_0", "player_1"]  # the next step's, again
    finally:
        await runner.stop()
