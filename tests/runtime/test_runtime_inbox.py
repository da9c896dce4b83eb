"""A worker's inbox: events in order, one waiter woken by the next, a timeout that leaves
nothing behind (a late event is still read next)."""

from __future__ import annotations

import asyncio

import pytest

from mosaic_tui.runtime.inbox import Inbox


async def test_events_come_out_in_order_and_wake_the_waiter() -> None:
    inbox = Inbox()
    inbox.put_nowait(1)
    assert await inbox.get(1.0) == 1
    waiting = asyncio.ensure_future(inbox.get(1.0))
    await asyncio.sleep(0)
    assert not waiting.done()
    inbox.put_nowait(2)
    inbox.put_nowait(3)
    assert await waiting == 2
    assert inbox.get_nowait() == 3 and inbox.empty()


async def test_a_timeout_leaves_the_next_event_to_the_next_read() -> None:
    inbox = Inbox()
    with pytest.raises(asyncio.TimeoutError):
        await inbox.get(0.01)
    inbox.put_nowait("late")
    assert await inbox.get(0.01) == "late"


def _armed() -> int:
    scheduled = asyncio.get_running_loop()._scheduled  # type: ignore[attr-defined]
    return sum(not h.cancelled() for h in scheduled)


async def test_many_answered_waits_arm_one_timer_and_each_wait_keeps_its_own_deadline() -> None:
    inbox = Inbox()
    loop = asyncio.get_running_loop()
    before = _armed()
    for i in range(50):  # per-step play: an answer to every wait, well within its timeout
        loop.call_soon(inbox.put_nowait, i)
        assert await inbox.get(0.2) == i
    assert _armed() - before <= 1
    await asyncio.sleep(0.1)  # the timer armed by the first wait fires before this one's end
    began = loop.time()
    with pytest.raises(asyncio.TimeoutError):
        await inbox.get(0.2)
    assert loop.time() - began >= 0.2 - 0.01  # re-armed for this wait's deadline, not early


async def test_a_short_wait_after_a_long_one_times_out_at_its_own_deadline() -> None:
    inbox = Inbox()
    loop = asyncio.get_running_loop()
    loop.call_soon(inbox.put_nowait, "x")
    assert await inbox.get(30.0) == "x"  # leaves a timer armed for 30 s
    began = loop.time()
    with pytest.raises(asyncio.TimeoutError):
        await inbox.get(0.05)
    assert loop.time() - began < 5


async def test_a_cancelled_wait_does_not_swallow_an_event() -> None:
    inbox = Inbox()
    waiting = asyncio.ensure_future(inbox.get(None))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    inbox.put_nowait("kept")
    assert await inbox.get(0.1) == "kept"
