"""A worker's events waiting to be read: one reader, so one waiter, and a timer only while it
waits. (`asyncio.wait_for(queue.get(), t)` makes a task and a timer for every answer: in
per-step play, every step.)"""

from __future__ import annotations

import asyncio
import collections
from typing import Any


class Inbox:
    def __init__(self) -> None:
        self._items: collections.deque[Any] = collections.deque()
        self._waiter: asyncio.Future[None] | None = None

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
        timer = (
            None
            if timeout is None
            else loop.call_later(timeout, _expire, waiter)
        )
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()
        return self._items.popleft()


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(asyncio.TimeoutError())
