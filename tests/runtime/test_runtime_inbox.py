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
    assert asyncio.get_running_loop()._scheduled == [] or all(  # type: ignore[attr-defined]
        h.cancelled() for h in asyncio.get_running_loop()._scheduled  # type: ignore[attr-defined]
    )  # no timer of a finished wait is left to fire


async def test_a_cancelled_wait_does_not_swallow_an_event() -> None:
    inbox = Inbox()
    waiting = asyncio.ensure_future(inbox.get(None))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    inbox.put_nowait("kept")
    assert await inbox.get(0.1) == "kept"
