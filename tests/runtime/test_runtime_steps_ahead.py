"""Steps sent ahead: a self-driving env is sent its next step before this one's answer is read
(headless per-step runs, play as fast as it goes), and nothing else about play changes."""

from __future__ import annotations

import asyncio
from pathlib import Path

from runtime_helpers import collect, settle

from mosaic_tui.core import OperatorConfig
from mosaic_tui.protocol import FrameRequest
from mosaic_tui.runtime import EpisodeStarted, OperatorRunner, PlayLoop, RunnerEvent, StepTaken


def baseline(max_steps: int = 12) -> OperatorConfig:
    return OperatorConfig.single_agent(
        "op",
        "Op",
        "baseline_worker",
        "baseline",
        env_name="minigrid",
        task="MiniGrid-Empty-5x5-v0",
        max_steps=max_steps,
        settings={"behavior": "random"},
    )


def steps(events: list[RunnerEvent]) -> list[tuple]:
    return [
        (e.episode, e.step_index, e.action, e.reward, e.terminated, e.truncated)
        for e in events
        if isinstance(e, StepTaken)
    ]


def watch_forgotten(runner: OperatorRunner) -> list[int]:
    """The requests whose answers the runner said it will not wait for."""
    forgotten: list[int] = []
    forget = runner.env_process.forget

    def spy(req: int) -> None:
        forgotten.append(req)
        forget(req)

    runner.env_process.forget = spy  # type: ignore[method-assign]
    return forgotten


async def one_at_a_time(runner: OperatorRunner, seeds: list[int]) -> list[RunnerEvent]:
    events: list[RunnerEvent] = []
    runner.listeners.append(events.append)
    await runner.start()
    try:
        for seed in seeds:
            await runner.reset(seed)
            while not runner.episode_over:
                await runner.step()
    finally:
        await runner.stop()
    return events


async def test_a_per_step_run_sends_ahead_and_plays_the_same_steps(tmp_path: Path) -> None:
    seeds = [3, 4, 5]
    alone = await one_at_a_time(OperatorRunner(baseline(), log_dir=tmp_path / "a"), seeds)
    runner = OperatorRunner(baseline(), log_dir=tmp_path / "b")
    forgotten = watch_forgotten(runner)
    ahead = await collect(runner, seeds, stream=False)
    assert steps(ahead) == steps(alone)
    assert len(steps(ahead)) >= len(seeds)
    # each episode's end found one step already sent: the env refused it, nobody waited
    assert len(forgotten) == len(seeds)
    log = (tmp_path / "b").glob("*env*.log")
    assert not any("skipped" in path.read_text() for path in log)


async def test_a_step_sent_ahead_is_taken_before_a_reset(tmp_path: Path) -> None:
    runner = OperatorRunner(baseline(max_steps=50), log_dir=tmp_path)
    events: list[RunnerEvent] = []
    runner.listeners.append(events.append)
    await runner.start()
    try:
        await runner.reset(1)
        for _ in range(3):
            await runner.step(ahead=True)
        assert len(steps(events)) == 3  # the fourth is out, not yet taken
        await runner.reset(2)
        taken = steps(events)
        assert [(e, i) for e, i, *_ in taken] == [(0, 1), (0, 2), (0, 3), (0, 4)]
        started = [e for e in events if isinstance(e, EpisodeStarted)]
        assert [e.seed for e in started] == [1, 2]
        await runner.step()
        assert steps(events)[-1][:2] == (1, 1)
    finally:
        await runner.stop()
    # the same four steps as four steps one at a time
    alone: list[RunnerEvent] = []
    other = OperatorRunner(baseline(max_steps=50), log_dir=tmp_path / "alone")
    other.listeners.append(alone.append)
    await other.start()
    try:
        await other.reset(1)
        for _ in range(4):
            await other.step()
    finally:
        await other.stop()
    assert steps(alone) == taken


async def test_a_pause_takes_the_step_sent_ahead_and_shows_where_it_stopped(
    tmp_path: Path,
) -> None:
    runner = OperatorRunner(
        baseline(max_steps=50), log_dir=tmp_path, frame=FrameRequest(width=16, height=16)
    )
    events: list[RunnerEvent] = []
    runner.listeners.append(events.append)
    await runner.start()
    try:
        await runner.reset(7)
        await runner.step(ahead=True)
        await runner.step(ahead=True)
        await runner.catch_up_frame()  # what a paused play loop does first
        assert [i for _, i, *_ in steps(events)] == [1, 2, 3]
    finally:
        await runner.stop()


async def test_a_decision_worker_s_steps_are_never_sent_ahead(tmp_path: Path) -> None:
    runner = OperatorRunner(baseline(), log_dir=tmp_path, self_drive=False)  # a baseline worker
    assert not runner.self_driving
    sent: list[str] = []
    send = runner.env_process.send

    async def spy(command):  # type: ignore[no-untyped-def]
        sent.append(command.kind)
        return await send(command)

    runner.env_process.send = spy  # type: ignore[method-assign]
    events = await collect(runner, [1], stream=False)
    assert sent.count("step") == len(steps(events))  # one request per step, none ahead


async def test_play_as_fast_as_it_goes_sends_ahead_and_a_pause_loses_no_step(
    tmp_path: Path,
) -> None:
    runner = OperatorRunner(baseline(max_steps=200), log_dir=tmp_path)
    events: list[RunnerEvent] = []
    runner.listeners.append(events.append)
    sent: list[str] = []
    send = runner.env_process.send

    most = [0]  # the most steps out at once

    async def spy(command):  # type: ignore[no-untyped-def]
        sent.append(command.kind)
        most[0] = max(most[0], sent.count("step") - len(steps(events)) - len(watched))
        return await send(command)

    runner.env_process.send = spy  # type: ignore[method-assign]
    watched = watch_forgotten(runner)  # steps sent ahead of an episode's end
    await runner.start()
    loop = PlayLoop(runner, next_seed=lambda: 9)
    try:
        await runner.reset(9)
        runner.pace = None
        loop.start()
        await settle(lambda: len(steps(events)) >= 20)
        loop.pause()
        await loop.parked()
        taken = steps(events)
        # every step the env took was taken here: as many answers as step requests
        assert sent.count("step") == len(taken) + len(watched)
        assert most[0] == 2  # the next step went out before the last one's answer
        before = len(taken)
        await runner.step()
        assert len(steps(events)) == before + 1
    finally:
        await loop.cancel()
        await runner.stop()


async def test_a_reset_cancelled_while_it_takes_the_step_sent_ahead_loses_no_step(
    tmp_path: Path,
) -> None:
    """A control pressed twice cancels the first (the app's controls are exclusive): the step
    still out is taken by whoever comes next, and the operator plays on."""
    for turns in range(6):  # cancelled at different points of the reset
        runner = OperatorRunner(baseline(max_steps=4), log_dir=tmp_path / str(turns))
        events: list[RunnerEvent] = []
        runner.listeners.append(events.append)
        await runner.start()
        try:
            await runner.reset(1)
            for _ in range(3):
                await runner.step(ahead=True)  # the episode's last step is out
            reset = asyncio.ensure_future(runner.reset(2))
            for _ in range(turns):
                await asyncio.sleep(0)
            reset.cancel()
            await asyncio.gather(reset, return_exceptions=True)
            await runner.step()  # steps the second episode, or does nothing if not begun
            assert runner.state.value == "paused"
            first = [i for e, i, *_ in steps(events) if e == 0]
            assert first == [1, 2, 3, 4]
        finally:
            await runner.stop()


async def test_an_action_after_a_step_sent_ahead_that_ended_the_episode_is_not_sent(
    tmp_path: Path,
) -> None:
    runner = OperatorRunner(baseline(max_steps=3), log_dir=tmp_path)
    events: list[RunnerEvent] = []
    runner.listeners.append(events.append)
    await runner.start()
    try:
        await runner.reset(1)
        await runner.step(ahead=True)
        await runner.step(ahead=True)  # the last step (3) is out
        assert await runner.step(2) is None  # it ended the episode: nothing more to send
        assert runner.episode_over and runner.state.value == "paused"
        assert [i for _, i, *_ in steps(events)] == [1, 2, 3]
    finally:
        await runner.stop()
