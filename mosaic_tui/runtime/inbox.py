"""A worker's events waiting to be read: one reader, so one waiter, and one timer that is
re-armed only when it fires early.

`asyncio.wait_for(queue.get(), t)` makes a task and a timer for every answer: in per-step play,
every step. Here a wait sets a deadline; the timer armed for an earlier wait checks it when it
fires and, if the deadline has moved on since, re-arms for it. With the same timeout on every
step that is one timer per timeout period, not one per step.
"""

from __future__ import annotations

import asyncio
import collections
import math
from typing import Any

#: A timer may fire this early (the loop's clock resolution); it is not re-armed for less.
EARLY = 0.001


class Inbox:
    def __init__(self) -> None:
        self._items: collections.deque[Any] = collections.deque()
        self._waiter: asyncio.Future[None] | None = None
        self._deadline = math.inf  # of the wait in progress
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def get_nowait(self) -> Any:
        return self._items.popleft()  # IndexError when empty, as a plain deque says

    async def get(self, timeout: float | None = None) -> Any:
        """The next item; asyncio.TimeoutError if none came within `timeout` seconds."""
        if self._items:
            return self._items.popleft()
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        self._deadline = math.inf if timeout is None else loop.time() + timeout
        timer = self._timer
        if timer is not None and (timer.when() > self._deadline or self._timer_loop is not loop):
            timer.cancel()  # armed for a longer wait than this one (or on another loop)
            timer = self._timer = None
        if timer is None and timeout is not None:
            self._timer = loop.call_at(self._deadline, self._expire)
            self._timer_loop = loop
        try:
            await waiter
        finally:
            self._waiter = None
        return self._items.popleft()

    def _expire(self) -> None:
        self._timer = None
        waiter = self._waiter
        if waiter is None or waiter.done() or self._deadline == math.inf:
            return
        loop = waiter.get_loop()
        if loop.time() >= self._deadline - EARLY:
            waiter.set_exception(asyncio.TimeoutError())
        else:  # a later wait moved the deadline on
            self._timer = loop.call_at(self._deadline, self._expire)
