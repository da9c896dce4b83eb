"""A human player's keyboard: the question a human's step waits on, answered by a key, and
the keys typed ahead of it (kept apart from the players that ask workers)."""

from __future__ import annotations

import asyncio
from collections import deque


class DecisionWithdrawn(Exception):
    """A human's pending decision was taken back (pause, reset, removal): no step is taken."""


HELD_KEYS = 16  # keys typed ahead of a running stream's questions, kept in order


class HumanKeyboard:
    """A human player's decisions: one pending question at a time, answered by a key.

    Keys pressed while nobody asks (the step before is still on its way) are held, in order,
    for the next questions: ten quick presses of an arrow are ten moves, as a keyboard
    buffer would have them (the newest `HELD_KEYS`). A pending question can be withdrawn
    (pause, reset, removal), which also drops the held keys, so whoever waits moves on.
    """

    def __init__(self) -> None:
        self._waiting: asyncio.Future[int] | None = None
        self._held: deque[int] = deque(maxlen=HELD_KEYS)

    @property
    def waiting(self) -> bool:
        return self._waiting is not None and not self._waiting.done()

    async def next_key(self) -> int:
        if self._held:
            return self._held.popleft()
        if not self.waiting:  # a second asker shares the pending question
            self._waiting = asyncio.get_running_loop().create_future()
        assert self._waiting is not None
        return await asyncio.shield(self._waiting)

    def press(self, action: int) -> bool:
        """Answer the pending question; False if there is none."""
        if not self.waiting:
            return False
        assert self._waiting is not None
        self._waiting.set_result(action)
        return True

    def hold(self, action: int) -> None:
        self._held.append(action)

    def withdraw(self) -> None:
        self._held.clear()
        if self.waiting:
            assert self._waiting is not None
            self._waiting.set_exception(DecisionWithdrawn())
            self._waiting.exception()  # retrieved: no "never retrieved" warning
