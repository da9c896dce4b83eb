"""Human players under concurrency: pauses, step-all, resets and fast keys never hang or crash."""

from __future__ import annotations

import asyncio
from pathlib import Path

from runtime_helpers import human, settle

from mosaic_tui.runtime import DecisionWithdrawn, HumanKeyboard, Session, StepTaken


async def test_keyboard_withdraw_and_hold() -> None:
    keyboard = HumanKeyboard()
    asking = asyncio.create_task(keyboard.next_key())
    await asyncio.sleep(0)
    also = asyncio.create_task(keyboard.next_key())  # a second asker shares the question
    await asyncio.sleep(0)
    assert keyboard.press(3)
    assert await asking == 3 and await also == 3
    asking = asyncio.create_task(keyboard.next_key())
    await asyncio.sleep(0)
    keyboard.withdraw()
    try:
        await asking
    except DecisionWithdrawn:
        pass
    else:
        raise AssertionError("a withdrawn question must not yield a key")
    keyboard.hold(5)
    assert await keyboard.next_key() == 5  # a held key answers the next question at once


async def test_step_all_after_running_does_not_hang(tmp_path: Path) -> None:
    # run, pause, step all: the play loop was waiting for a key inside a step
    session = Session(log_dir=tmp_path, seed=1)
    try:
        me = await session.add(human())
        session.run()
        await settle(lambda: session.keyboards["me"].waiting)
        stepping = asyncio.create_task(session.step_all())  # pauses, waits for the loop
        await settle(lambda: not session.running and session.keyboards["me"].waiting)
        await asyncio.sleep(0.1)  # the loop's withdrawn question is gone; step_all's is asked
        assert await session.press("me", 1) is None
        await asyncio.wait_for(stepping, 5)
        assert me.step_index == 1
        await asyncio.wait_for(session.reset_all(), 5)  # and reset is not blocked either
        assert me.step_index == 0
    finally:
        await session.stop_all()


async def test_reset_all_while_running_keeps_the_human_playing(tmp_path: Path) -> None:
    session = Session(log_dir=tmp_path, seed=1)
    try:
        me = await session.add(human())
        session.run()
        await settle(lambda: session.keyboards["me"].waiting)
        await session.reset_all(9)
        await settle(lambda: session.keyboards["me"].waiting)  # the loop asks again
        assert await session.press("me", 2) is None
        await settle(lambda: me.step_index == 1)
        assert me.seed == 9
    finally:
        await session.stop_all()


async def test_keys_faster_than_steps_at_episode_end_are_not_a_crash(tmp_path: Path) -> None:
    session = Session(log_dir=tmp_path, seed=1)
    try:
        me = await session.add(human(max_steps=1))
        results = await asyncio.gather(
            session.press("me", 0), session.press("me", 0), session.press("me", 0)
        )
        assert results == [None, None, None]
        # one step ended the episode; keys pressed before the end was shown do not skip it
        assert me.episodes_begun == 1 and me.episode_over and me.last_end is not None
        assert await session.press("me", 0) is None  # a key after the end: the next episode
        assert me.episodes_begun == 2 and me.seed == 2 and me.step_index == 0
    finally:
        await session.stop_all()


async def test_a_key_pressed_while_the_loop_is_busy_is_kept(tmp_path: Path) -> None:
    session = Session(log_dir=tmp_path, seed=1)
    try:
        me = await session.add(human())
        session.run()
        await settle(lambda: session.keyboards["me"].waiting)
        for action in (1, 1, 1):  # as fast as a key repeat: none may be lost... except
            assert await session.press("me", action) is None  # ...a held key is replaced
        await settle(lambda: me.step_index >= 2)
        await asyncio.sleep(0.2)
        assert me.step_index in (2, 3)
    finally:
        await session.stop_all()


async def test_remove_while_step_all_waits_for_that_human(tmp_path: Path) -> None:
    session = Session(log_dir=tmp_path, seed=1)
    try:
        await session.add(human())
        stepping = asyncio.create_task(session.step_all())
        await settle(lambda: session.keyboards["me"].waiting)
        await asyncio.wait_for(session.remove("me"), 10)
        await asyncio.wait_for(stepping, 5)
        assert "me" not in session.runners
    finally:
        await session.stop_all()


async def test_a_running_human_episode_holds_its_end_until_a_key(tmp_path: Path) -> None:
    from mosaic_tui.core import OperatorConfig

    robot = OperatorConfig.single_agent(
        "robot",
        "robot",
        "baseline_worker",
        "baseline",
        env_name="minigrid",
        task="MiniGrid-Empty-8x8-v0",
        settings={"behavior": "random"},
        max_steps=2,
    )
    session = Session(log_dir=tmp_path, seed=1, pace=100)
    try:
        me = await session.add(human(max_steps=1))
        bot = await session.add(robot)
        session.run()
        await settle(lambda: session.keyboards["me"].waiting)
        assert await session.press("me", 2) is None  # forward: the one step ends it
        await settle(lambda: me.episode_over)
        await settle(lambda: bot.episodes_begun >= 4)  # the robot goes on at its pace...
        assert me.episode_over and me.episodes_begun == 1  # ...while the human's end stays
        await session.step_all()  # parked while held: `s` does not hang, it begins the next
        assert me.episodes_begun == 2 and not me.episode_over
        session.run()
        await settle(lambda: session.keyboards["me"].waiting)
        assert await session.press("me", 2) is None
        await settle(lambda: me.episode_over)
        assert await session.press("me", 0) is None  # a key after the end: the next episode
        await settle(lambda: session.keyboards["me"].waiting)
        assert me.episodes_begun == 3 and me.step_index == 0
        # "go on" twice (a key repeat): the second finds the episode begun and plays nothing
        assert await session.next_episode("me") is None
        assert me.episodes_begun == 3 and me.step_index == 0
    finally:
        await session.stop_all()


async def test_keys_typed_ahead_of_a_running_stream_are_each_played_in_order(
    tmp_path: Path,
) -> None:
    """Ten quick presses of an arrow are ten moves: keys that came while the step before was
    on its way used to overwrite each other (the newest won), so 10 presses made 2 steps."""
    session = Session(log_dir=tmp_path, seed=1, pace=None)
    actions: list[int] = []
    session.listeners.append(
        lambda e: actions.append(e.action) if isinstance(e, StepTaken) else None
    )
    try:
        me = await session.add(human())
        session.run()
        await settle(lambda: session.keyboards["me"].waiting)
        keys = [1, 1, 0, 1, 2, 0, 0, 1, 2, 1]  # right, right, left, ...
        refused = await asyncio.gather(*(session.press("me", k) for k in keys))
        assert refused == [None] * len(keys)
        await settle(lambda: me.step_index >= len(keys))
        assert actions == keys  # every one, in the order pressed
        session.pause()  # drops what is still held: nothing more moves
        await asyncio.sleep(0.1)
        assert me.step_index == len(keys)
    finally:
        await session.stop_all()
