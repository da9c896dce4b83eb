"""Listens to a runner and writes what happened: each episode, with its steps, at its end.

Steps wait in memory until their episode ends and are then committed in one transaction, so
killing a run loses at most the episode in progress and never leaves half an episode behind.

Nothing recorded is dropped quietly. Writes go through a queue, in order: when another program
holds the database's write lock the recorder keeps the rows and tries again a little later
(without blocking the event loop for more than a few milliseconds), and only when the lock
outlasts `lock_limit` seconds, or a write fails outright, does it give up on that run and say
so through `on_failure` (the headless runner then stops that operator with the message).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

from mosaic_tui.core import OperatorConfig
from mosaic_tui.runtime import EpisodeEnded, EpisodeStarted, RunnerEvent, StateChanged, StepTaken
from mosaic_tui.telemetry.rows import EpisodeRow, RunRow, StepRow
from mosaic_tui.telemetry.schema import TelemetryError
from mosaic_tui.telemetry.store import TelemetryStore

#: How long the recorder waits for another program's write lock before giving up on a run.
DEFAULT_LOCK_LIMIT = 30.0
_ATTEMPT_MS = 20  # SQLite's own busy wait per attempt: the event loop never blocks longer
_RETRY_EVERY = 0.1
log = logging.getLogger(__name__)


@dataclass
class _Write:
    run_id: str
    what: str
    apply: Callable[[], None]


class Recorder:
    """A runner listener: `runner.listeners.append(recorder)` after `begin(config, run_id)`."""

    def __init__(
        self, store: TelemetryStore, session_id: str, *, lock_limit: float = DEFAULT_LOCK_LIMIT
    ) -> None:
        self.store = store
        self.session_id = session_id
        self.lock_limit = lock_limit
        self._steps: dict[str, list[StepRow]] = {}
        self._queue: collections.deque[_Write] = collections.deque()
        self._blocked_since: float | None = None
        self._retry: asyncio.TimerHandle | None = None
        self.failures: dict[str, str] = {}  # run id -> why its recording stopped
        #: Called with (run_id, message) once, when a run's recording fails for good.
        self.on_failure: Callable[[str, str], None] | None = None

    # ------------------------------------------------------------------ listening

    def begin(self, config: OperatorConfig, run_id: str) -> None:
        row = RunRow(
            run_id=run_id,
            session_id=self.session_id,
            operator_id=config.operator_id,
            display_name=config.display_name,
            env_name=config.env_name,
            task=config.task,
            config=config.to_dict(redact=True),
            started_at=time.time(),
        )
        self._steps[run_id] = []
        self._write(run_id, "the run", lambda: self.store.begin_run(row))

    def end(self, run_id: str, status: str, error: str | None = None) -> None:
        """Mark a run ended, after every episode queued before this call."""
        self._write(run_id, "the run's status", lambda: self.store.end_run(run_id, status, error))

    def __call__(self, event: RunnerEvent) -> None:
        if event.run_id in self.failures:
            return
        steps = self._steps.setdefault(event.run_id, [])
        if isinstance(event, StepTaken) and event.actions:  # simultaneous: a row per agent
            rewards = event.rewards or {}
            steps.extend(
                StepRow(
                    event.episode,
                    event.step_index,
                    agent,
                    action if isinstance(action, int) else None,
                    rewards.get(agent, 0.0),
                    event.terminated,
                    event.truncated,
                )
                for agent, action in event.actions.items()
            )
        elif isinstance(event, StepTaken):
            action = event.action if isinstance(event.action, int) else None
            steps.append(
                StepRow(
                    event.episode,
                    event.step_index,
                    event.agent,
                    action,
                    event.reward,
                    event.terminated,
                    event.truncated,
                    {"rewards": event.rewards} if event.rewards else None,
                )
            )
        elif isinstance(event, EpisodeStarted):
            self._steps[event.run_id] = []  # an episode cut short by a reset is not kept
        elif isinstance(event, EpisodeEnded):
            self._steps[event.run_id] = []
            row = EpisodeRow(
                event.run_id,
                event.episode,
                event.seed,
                event.total_reward,
                event.length,
                event.terminated,
                event.truncated,
                event.started_at,
                event.ended_at,
                event.rewards,
                event.success,
            )
            self._write(
                event.run_id,
                f"episode {event.episode}",
                lambda: self.store.record_episode(row, steps),
            )
        elif isinstance(event, StateChanged) and event.state in ("stopped", "error"):
            self.end(event.run_id, event.state, event.detail)

    # ------------------------------------------------------------------ writing

    @property
    def pending(self) -> int:
        """Writes not yet committed."""
        return len(self._queue)

    def _write(self, run_id: str, what: str, apply: Callable[[], None]) -> None:
        self._queue.append(_Write(run_id, what, apply))
        if self._retry is None:
            self.flush()

    def flush(self) -> None:
        """Commit what is queued, in order; a locked database leaves the rest for later."""
        self._retry = None
        while self._queue:
            item = self._queue[0]
            if item.run_id in self.failures:
                self._queue.popleft()
                continue
            try:
                with self.store.busy_timeout(_ATTEMPT_MS / 1000):
                    item.apply()
            except sqlite3.OperationalError as exc:
                if not _is_lock(exc):
                    self._fail(item, f"{type(exc).__name__}: {exc}")
                    continue
                if self._wait_for_lock(item):
                    return
                continue
            except (TelemetryError, sqlite3.Error) as exc:
                self._fail(item, str(exc))
                continue
            self._queue.popleft()
            self._blocked_since = None

    def _wait_for_lock(self, item: _Write) -> bool:
        """True when a retry is scheduled; False when the item was given up on (or, with no
        event loop, after waiting here)."""
        now = time.monotonic()
        if self._blocked_since is None:
            self._blocked_since = now
        if now - self._blocked_since >= self.lock_limit:
            self._fail(
                item,
                f"the results database {self.store.path} stayed locked for"
                f" {self.lock_limit:g} s (another program is writing to it); close that program"
                " or let it finish, pass another --db, or wait longer with --db-wait",
            )
            self._blocked_since = now  # the next run gets its own full wait
            return False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a script): wait here
            time.sleep(_RETRY_EVERY)
            return False
        self._retry = loop.call_later(_RETRY_EVERY, self.flush)
        return True

    def _fail(self, item: _Write, reason: str) -> None:
        self._queue.popleft()
        if item.run_id in self.failures:
            return
        message = f"could not record {item.what} of run {item.run_id}: {reason}"
        self.failures[item.run_id] = message
        log.error("%s", message)
        if self.on_failure is not None:
            self.on_failure(item.run_id, message)

    async def drain(self, timeout: float | None = None) -> bool:
        """Wait until every queued write is committed or given up; False on `timeout`."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._queue:
            if deadline is not None and time.monotonic() >= deadline:
                return False
            if self._retry is None:
                self.flush()
            await asyncio.sleep(0.02)
        return True


def _is_lock(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text
