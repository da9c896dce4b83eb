"""Frame pacing (issue 13): a fast stream asks only for the pictures its pane will paint, and the
pane still ends up on the current state (pause, episode end, reset, a human's key, one step)."""

from __future__ import annotations

from pathlib import Path

from runtime_helpers import human, settle

from mosaic_tui.core import OperatorConfig, WorkerAssignment
from mosaic_tui.protocol import FrameRequest
from mosaic_tui.protocol.messages import Render, Rendered
from mosaic_tui.runtime import (
    EpisodeEnded,
    EpisodeStarted,
    HumanKeyboard,
    OperatorRunner,
    PlayLoop,
    RunnerEvent,
    Session,
    StepTaken,
)
from mosaic_tui.runtime.events import FrameDrawn
from mosaic_tui.runtime.frame_pacing import FrameClock

SIXTEEN = 0.1  # seconds between a pane's paints with 16 panes (app.layout.frame_interval)
PANE = FrameRequest(40, 40)


def baseline(max_steps: int = 30) -> OperatorConfig:
    return OperatorConfig.single_agent(
        "op",
        "Op",
        "baseline_worker",
        "baseline",
        env_name="minigrid",
        task="MiniGrid-Empty-8x8-v0",
        max_steps=max_steps,
        settings={"behavior": "random"},
    )


def framed(clock: FrameClock, pace: float, steps: int, start: float = 100.0) -> list[bool]:
    """Which of a paced stream's steps the clock asks pictures for."""
    wanted = []
    for i in range(steps):
        now = start + i / pace
        clock.next_step = now + 1 / pace
        wanted.append(clock.wanted(now))
    return wanted


# --------------------------------------------------------------------------- the clock


def test_sixteen_panes_get_one_picture_per_paint_and_few_panes_every_one() -> None:
    sixteen = framed(FrameClock(every=SIXTEEN), pace=30, steps=90)
    assert 29 <= sum(sixteen) <= 31  # 3 s at 10 paints a second
    assert not any(a and b for a, b in zip(sixteen, sixteen[1:], strict=False))  # never two
    assert all(framed(FrameClock(every=1 / 30), pace=30, steps=90))  # 1-5 panes: all 30
    assert sum(framed(FrameClock(every=1 / 30), pace=60, steps=120)) in range(58, 63)
    assert all(framed(FrameClock(every=SIXTEEN), pace=5, steps=20))  # slower than the paints
    assert all(framed(FrameClock(every=0.0), pace=30, steps=30))  # no clock: every one


def test_a_step_outside_a_stream_always_asks_for_its_picture() -> None:
    clock = FrameClock(every=SIXTEEN)
    assert all(clock.wanted(100.0 + i / 100) for i in range(20))  # next_step unknown


def test_a_late_stream_still_gets_a_picture_every_other_paint() -> None:
    clock = FrameClock(every=SIXTEEN)
    for _ in range(20):
        clock.took(0.5)  # steps take longer than the pace promises: each is the last
    assert all(framed(clock, pace=30, steps=30))
    clock = FrameClock(every=SIXTEEN)
    clock.next_step = 100.03
    assert clock.wanted(100.0)  # the first of a stream
    assert not clock.wanted(100.01)  # its next step comes before the tick (100.1)
    clock.next_step = 100.28  # ... but came late: the tick at 100.1 and 100.2 went without
    assert clock.wanted(100.25)


# --------------------------------------------------------------------------- a runner


async def stream(
    tmp_path: Path, every: float, steps: int, *, vision: bool = False, max_steps: int = 30
) -> tuple[OperatorRunner, PlayLoop, list[RunnerEvent]]:
    runner = OperatorRunner(baseline(max_steps), log_dir=tmp_path, frame=PANE)
    if vision:  # as a VLM player's image_size makes it (players.vision_request)
        runner.vision = FrameRequest(32, 32)
    events: list[RunnerEvent] = []
    runner.listeners.append(events.append)
    runner.pace = 30.0
    runner.frames.every = every
    await runner.start()
    await runner.reset(1)
    seeds = iter(range(2, 1000))
    loop = PlayLoop(runner, lambda: next(seeds))
    loop.start()
    await settle(lambda: sum(isinstance(e, StepTaken) for e in events) >= steps, 20)
    return runner, loop, events


def moves(events: list[RunnerEvent]) -> list[tuple]:
    return [
        (e.episode, e.step_index, e.action, e.reward, e.terminated, e.truncated)
        for e in events
        if isinstance(e, StepTaken)
    ]


async def test_a_stream_at_sixteen_panes_interval_skips_pictures_not_steps(
    tmp_path: Path,
) -> None:
    runner, loop, events = await stream(tmp_path, SIXTEEN, 45, max_steps=7)
    loop.pause()
    await loop.parked()
    await runner.stop()
    steps = [e for e in events if isinstance(e, StepTaken)]
    with_frame = [s for s in steps if s.frame is not None]
    assert len(with_frame) <= len(steps) * 0.6  # ~1 in 3 at 30 steps/s and 10 paints/s
    ends = [s for s in steps if s.terminated or s.truncated]
    assert len(ends) >= 5 and all(s.frame is not None for s in ends)  # the last picture
    starts = [e for e in events if isinstance(e, EpisodeStarted)]
    assert all(e.frame is not None for e in starts)  # a reset's picture
    # the same steps and rewards as a stream with every picture
    again, loop2, every_one = await stream(tmp_path, 0.0, len(steps), max_steps=7)
    loop2.pause()
    await loop2.parked()
    await again.stop()
    assert all(isinstance(e.frame, object) and e.frame is not None
               for e in every_one if isinstance(e, StepTaken))  # fmt: skip
    assert moves(every_one)[: len(steps)] == moves(events)[: len(steps)]


async def test_a_pause_after_a_skipped_picture_shows_the_current_state(tmp_path: Path) -> None:
    runner = OperatorRunner(baseline(1000), log_dir=tmp_path, frame=PANE)
    runner.pace = 30.0
    runner.frames.every = SIXTEEN
    await runner.start()
    await runner.reset(1)
    loop = PlayLoop(runner, lambda: 2)
    shown: list[tuple[int, object]] = []  # (step, picture) of every picture the pane is given
    skipped: list[int] = []

    def listen(event: RunnerEvent) -> None:
        if isinstance(event, (StepTaken, FrameDrawn)) and event.frame is not None:
            shown.append((event.step_index, event.frame))
        if isinstance(event, StepTaken) and event.frame is None and event.step_index > 4:
            skipped.append(event.step_index)
            loop.pause()  # the stream stops on a step without its picture

    runner.listeners.append(listen)
    loop.start()
    await settle(lambda: bool(skipped), 10)
    await loop.parked()
    assert runner.step_index == skipped[0]
    drawn = await runner.env_process.request(Render(frame=PANE), Rendered, 5)
    assert shown[-1] == (skipped[0], drawn.frame)  # the pane's last picture is the current one
    assert runner.now.frame == drawn.frame
    # one step at a time, paused: each has its picture
    for _ in range(3):
        taken = await runner.step()
        assert taken is not None and taken.frame is not None
    await runner.stop()


async def test_a_vlm_player_sees_every_step(tmp_path: Path) -> None:
    runner, loop, events = await stream(tmp_path, SIXTEEN, 20, vision=True)
    loop.pause()
    await loop.parked()
    await runner.stop()
    steps = [e for e in events if isinstance(e, StepTaken)]
    assert len(steps) >= 20 and all(s.frame is not None for s in steps)
    vlm = OperatorConfig.single_agent(
        "v", "v", "llm_worker", "vlm", env_name="minigrid", task="MiniGrid-Empty-8x8-v0",
        settings={"model": "m"},
    )  # fmt: skip
    assert not OperatorRunner(vlm, frame=PANE).frames_skippable


async def test_a_humans_moves_always_carry_their_picture(tmp_path: Path) -> None:
    session = Session(log_dir=tmp_path, pace=30.0)
    session.frame_every = SIXTEEN
    steps: list[StepTaken] = []
    session.listeners.append(lambda e: steps.append(e) if isinstance(e, StepTaken) else None)
    runner = await session.add(human("me", max_steps=1000), PANE)
    assert runner.frames.every == SIXTEEN and not runner.frames_skippable
    session.run()
    for i in range(12):  # key after key, each as soon as the last move is made
        assert await session.press("me", i % 2) is None
        await settle(lambda i=i: len(steps) > i, 10)
    assert all(s.frame is not None for s in steps)
    await session.stop_all()


async def test_mixed_teams_and_operators_without_a_pane_never_skip(tmp_path: Path) -> None:
    team = OperatorConfig.multi_agent(
        "t",
        "Team",
        "pettingzoo_classic",
        "tictactoe_v3",
        {
            "player_1": WorkerAssignment("human", "human", {}),
            "player_2": WorkerAssignment("baseline_worker", "baseline", {"behavior": "random"}),
        },
    )
    assert not OperatorRunner(
        team, frame=PANE, keyboard=HumanKeyboard()
    ).frames_skippable  # a human sees every move
    assert not OperatorRunner(baseline(), frame=None).frames_skippable  # nothing to skip
    assert OperatorRunner(baseline(), frame=PANE).frames_skippable


async def test_the_session_gives_its_paint_clock_to_every_runner(tmp_path: Path) -> None:
    session = Session(log_dir=tmp_path)
    first = await session.add(baseline(), PANE)
    session.frame_every = SIXTEEN
    assert first.frames.every == SIXTEEN
    config = baseline()
    config.operator_id = "op2"
    second = await session.add(config, PANE)
    assert second.frames.every == SIXTEEN
    await session.stop_all()


async def test_episode_ends_are_told_after_their_picture(tmp_path: Path) -> None:
    """At an episode's end the last step has its picture even mid-stream (the recorder sees
    the same EpisodeEnded as ever)."""
    runner, loop, events = await stream(tmp_path, SIXTEEN, 40, max_steps=5)
    loop.pause()
    await loop.parked()
    await runner.stop()
    for i, event in enumerate(events):
        if isinstance(event, EpisodeEnded):
            last = events[i - 1]
            assert isinstance(last, StepTaken) and last.frame is not None
            assert last.step_index == event.length == 5
