"""The operator runner through the real workers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from runtime_helpers import collect, settle

from mosaic_tui.core import OperatorConfig, OperatorState
from mosaic_tui.protocol import FrameRequest
from mosaic_tui.runtime import (
    EpisodeEnded,
    EpisodeStarted,
    HumanKeyboard,
    LaunchError,
    OperatorFailed,
    OperatorRunner,
    PlayLoop,
    RunnerEvent,
    StateChanged,
    StepTaken,
    WorkerError,
)


def config(
    task: str = "MiniGrid-Empty-8x8-v0",
    behavior: str = "random",
    *,
    kind: str = "baseline",
    max_steps: int | None = 30,
    **settings,
) -> OperatorConfig:
    return OperatorConfig.single_agent(
        "op",
        "Op",
        "baseline_worker" if kind == "baseline" else "human",
        kind,
        env_name="minigrid",
        task=task,
        max_steps=max_steps,
        settings={"behavior": behavior, **settings} if kind == "baseline" else {},
    )


def table(events: list[RunnerEvent]) -> list[tuple]:
    return [
        (e.episode, e.step_index, e.action, e.reward, e.terminated, e.truncated)
        for e in events
        if isinstance(e, StepTaken)
    ]


async def test_same_actions_whichever_process_runs_the_baseline(tmp_path: Path) -> None:
    streamed = await collect(OperatorRunner(config(), log_dir=tmp_path), [1, 2])
    stepped = await collect(OperatorRunner(config(), log_dir=tmp_path), [1, 2], stream=False)
    separate = await collect(OperatorRunner(config(), log_dir=tmp_path, self_drive=False), [1, 2])
    assert table(streamed) == table(stepped) == table(separate)
    assert len(table(streamed)) == 60  # 2 episodes x max_steps, random rarely reaches the goal
    other_seed = await collect(OperatorRunner(config(), log_dir=tmp_path), [3, 4])
    assert table(other_seed) != table(streamed)


async def test_max_steps_truncates_and_episodes_are_counted(tmp_path: Path) -> None:
    events = await collect(OperatorRunner(config(max_steps=7), log_dir=tmp_path), [5, 6, 7])
    ended = [e for e in events if isinstance(e, EpisodeEnded)]
    assert [e.episode for e in ended] == [0, 1, 2]
    assert [e.seed for e in ended] == [5, 6, 7]
    assert all(e.length == 7 and e.truncated and not e.terminated for e in ended)
    started = [e for e in events if isinstance(e, EpisodeStarted)]
    assert [e.seed for e in started] == [5, 6, 7]


async def test_noop_baseline_uses_done_and_never_spins(tmp_path: Path) -> None:
    events = await collect(
        OperatorRunner(config(behavior="noop", max_steps=5), log_dir=tmp_path), [0]
    )
    steps = [e for e in events if isinstance(e, StepTaken)]
    assert {e.action_label for e in steps} == {"done"}


async def test_frames_arrive_fitted_to_the_request(tmp_path: Path) -> None:
    runner = OperatorRunner(config(), log_dir=tmp_path, frame=FrameRequest(40, 30))
    events: list[RunnerEvent] = []
    runner.listeners.append(events.append)
    await runner.start()
    start = await runner.reset(3)
    taken = await runner.step()
    await runner.stop()
    assert start.frame is not None and (start.frame.width, start.frame.height) == (30, 30)
    assert taken.frame is not None and taken.frame.to_array().shape == (30, 30, 3)


async def test_human_player_acts_through_the_keyboard(tmp_path: Path) -> None:
    keyboard = HumanKeyboard()
    runner = OperatorRunner(config(kind="human"), log_dir=tmp_path, keyboard=keyboard)
    await runner.start()
    await runner.reset(1)
    right = runner.labels.index("right")
    taken = []
    for step in range(3):
        asked = asyncio.ensure_future(runner.step())
        await settle(lambda: keyboard.waiting)
        assert runner.step_index == step and runner.human_to_move
        assert keyboard.press(right)
        taken.append(await asked)
    await runner.stop()
    assert [t.action_label for t in taken] == ["right"] * 3
    assert runner.labels[:3] == ["left", "right", "forward"]


def test_human_player_without_a_keyboard_is_refused() -> None:
    with pytest.raises(LaunchError, match="human player"):
        OperatorRunner(config(kind="human"))


async def test_players_that_do_not_match_the_env_are_refused_clearly(tmp_path: Path) -> None:
    from mosaic_tui.core import WorkerAssignment

    cfg = OperatorConfig.multi_agent(
        "ttt",
        "T",
        "pettingzoo_classic",
        "tictactoe_v3",
        {
            "player_0": WorkerAssignment("baseline_worker", "baseline", {"behavior": "random"}),
            "player_1": WorkerAssignment("baseline_worker", "baseline", {"behavior": "random"}),
        },
    )
    runner = OperatorRunner(cfg, log_dir=tmp_path)
    with pytest.raises(
        LaunchError,
        match="has the players player_1, player_2; the operator assigns player_0, player_1",
    ):
        await runner.start()
    assert not runner.env_process.alive  # nothing half-started is left


@pytest.mark.subprocess
async def test_a_dying_worker_marks_the_operator_error(tmp_path: Path) -> None:
    runner = OperatorRunner(config(), log_dir=tmp_path)
    events: list[RunnerEvent] = []
    runner.listeners.append(events.append)
    await runner.start()
    await runner.reset(0)
    pid = runner.env_process.pid
    assert pid is not None
    import os
    import signal

    os.kill(pid, signal.SIGKILL)
    with pytest.raises(WorkerError, match="killed by SIGKILL"):
        for _ in range(100):
            await runner.step()
    await runner.stop()
    assert runner.state is OperatorState.ERROR
    failed = [e for e in events if isinstance(e, OperatorFailed)]
    assert len(failed) == 1 and "env_worker" in failed[0].message
    states = [e.state for e in events if isinstance(e, StateChanged)]
    assert states[-1] == "error"  # stop() does not paper over the error


async def test_unknown_task_fails_at_start_with_the_workers_message(tmp_path: Path) -> None:
    cfg = config(task="MiniGrid-Empty-8x9-v0")
    runner = OperatorRunner(cfg, log_dir=tmp_path)
    with pytest.raises(WorkerError, match="did you mean MiniGrid-Empty-8x8-v0"):
        await runner.start()
    await runner.stop()


async def test_play_loop_runs_paused_and_resumes(tmp_path: Path) -> None:
    runner = OperatorRunner(config(max_steps=4), log_dir=tmp_path)
    steps: list[StepTaken] = []
    runner.listeners.append(lambda e: steps.append(e) if isinstance(e, StepTaken) else None)
    await runner.start()
    seeds = iter(range(100, 1000))
    loop = PlayLoop(runner, lambda: next(seeds))
    assert not loop.looping and steps == []  # nothing runs until started
    loop.start()
    while len(steps) < 10:
        await asyncio.sleep(0.01)
    loop.pause()
    await asyncio.sleep(0.1)
    frozen = len(steps)
    await asyncio.sleep(0.3)
    assert len(steps) == frozen
    await runner.stop()
    assert loop.task is not None
    await asyncio.wait_for(loop.task, 5)
    episodes = sorted({s.episode for s in steps})
    assert episodes[:3] == [0, 1, 2]  # auto-advanced through episodes of 4 steps
    assert runner.state is OperatorState.STOPPED


async def test_a_failing_listener_is_detached_and_reported(tmp_path: Path) -> None:
    from mosaic_tui.runtime import Notice

    runner = OperatorRunner(config(max_steps=5), log_dir=tmp_path)
    events: list[RunnerEvent] = []

    def broken(event: RunnerEvent) -> None:
        if isinstance(event, StepTaken):
            raise RuntimeError("database is locked")

    runner.listeners += [broken, events.append]
    await runner.start()
    ended = await runner.run_episodes([1, 2])
    await runner.stop()
    assert len(ended) == 2  # the run went on
    notices = [e for e in events if isinstance(e, Notice)]
    assert len(notices) == 1 and "database is locked" in notices[0].message
    assert broken not in runner.listeners


async def test_max_steps_beyond_the_envs_own_limit_is_honoured(tmp_path: Path) -> None:
    # MiniGrid-Empty-5x5 stops itself after 100 steps; the operator asks for 150
    runner = OperatorRunner(
        config("MiniGrid-Empty-5x5-v0", "noop", max_steps=150), log_dir=tmp_path
    )
    await runner.start()
    ended = await runner.run_episodes([0])
    await runner.stop()
    assert ended[0].length == 150 and ended[0].truncated
