"""The driver's writer of `--backend ray`: the episodes a task sent, into the results database.

Written in episode order, one transaction per episode as the local runner writes them, on a
thread of its own (the event loop never waits on SQLite): the step tables are the local
runner's, row for row.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from operator import itemgetter
from typing import Any, cast

from mosaic_tui.telemetry import TelemetryError, TelemetryStore
from mosaic_tui.telemetry.rows import EpisodeRow, StepRow


class _Step(tuple):  # type: ignore[type-arg]
    """A step row as a task sent it: a plain tuple that the store reads as it reads a
    `StepRow` (building 250,000 frozen dataclasses again would cost the driver ~1 s)."""

    __slots__ = ()
    episode_index = property(itemgetter(0))
    step_index = property(itemgetter(1))
    agent = property(itemgetter(2))
    action = property(itemgetter(3))
    reward = property(itemgetter(4))
    terminated = property(itemgetter(5))
    truncated = property(itemgetter(6))
    extra = property(itemgetter(7))


class _Writer:
    """Writes episodes on a thread of its own, with its own connection (the event loop never
    waits on SQLite), in the order given; a `:memory:` store is written where it is called."""

    def __init__(self, store: TelemetryStore, lock_limit: float) -> None:
        self.store = store
        self.lock_limit = lock_limit
        self.inline = str(store.path) == ":memory:"
        self._pool = None if self.inline else ThreadPoolExecutor(1, "mosaic-tui ray writer")
        self._own: TelemetryStore | None = None

    def _write(self, run_id: str, episodes: list[tuple[Any, ...]]) -> tuple[int, str | None]:
        """(episodes written, why the next one could not be: None when all were)."""
        written = 0
        try:
            store = self.store
            if not self.inline:
                if self._own is None:
                    self._own = TelemetryStore.open(self.store.path)
                store = self._own
            with store.busy_timeout(self.lock_limit):
                for episode, steps in episodes:
                    index, seed, total, length, term, trunc, began, ended, rewards, won = episode
                    row = EpisodeRow(run_id, index, seed, total, length, term, trunc, began,
                                     ended, rewards, won)  # fmt: skip
                    store.record_episode(row, cast(list[StepRow], [_Step(s) for s in steps]))
                    written += 1
        except (TelemetryError, sqlite3.Error) as exc:
            index = episodes[written][0][0]
            return written, f"could not record episode {index} of run {run_id}: {exc}"
        return written, None

    async def write(self, run_id: str, episodes: list[tuple[Any, ...]]) -> tuple[int, str | None]:
        if self._pool is None:
            return self._write(run_id, episodes)
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._write, run_id,
                                                                episodes)  # fmt: skip

    def close(self) -> None:
        if self._pool is not None:
            self._pool.submit(self._close_own).result()
            self._pool.shutdown()

    def _close_own(self) -> None:
        if self._own is not None:
            self._own.close()
            self._own = None
