"""Listens to a runner and writes what happened: each episode, with its steps, at its end.

Steps wait in memory until their episode ends and are then committed in one transaction, so
killing a run loses at most the episode in progress and never leaves half an episode behind.

The SQLite work never runs on the event loop: writes are queued, in order, to one writer
thread that owns its own connection (a results database locked by another program, or a slow
disk, must not freeze the app's screen). Nothing recorded is dropped quietly: when another
program holds the write lock the writer keeps the rows and tries again, and only when the lock
outlasts `lock_limit` seconds, or a write fails outright, does it give up on that run and say
so through `on_failure`, called on the event loop (the headless runner then stops that
operator with the message; the app shows it on the operator's pane). A run's final status is
still tried after its recording failed (else it would stay `running`); one that cannot be
written is in `unended`, and `settle` tries again on a connection of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mosaic_tui.core import OperatorConfig
from mosaic_tui.runtime import EpisodeEnded, EpisodeStarted, RunnerEvent, StateChanged, StepTaken
from mosaic_tui.telemetry.rows import EpisodeRow, RunRow, StepRow
from mosaic_tui.telemetry.schema import TelemetryError
from mosaic_tui.telemetry.store import TelemetryStore

#: How long the recorder waits for another program's write lock before giving up on a run.
DEFAULT_LOCK_LIMIT = 30.0
_ATTEMPT = 0.1  # SQLite's own busy wait per attempt (on the writer thread), in seconds
_IDLE_EXIT = 2.0  # an idle writer thread closes its connection and ends after this long
_POLL = 0.01  # how often `drain` looks at what is left
log = logging.getLogger(__name__)

Apply = Callable[[TelemetryStore], None]


@dataclass
class _Write:
    run_id: str
    what: str
    apply: Apply  # called with the writer's own store
    final: bool = False  # the run's status: tried even after its recording failed


class Recorder:
    """A runner listener: `runner.listeners.append(recorder)` after `begin(config, run_id)`.

    Events arrive on the event loop; the rows are written by a thread of the recorder's own
    (started on the first write, ended after a while without any), so the loop never waits on
    SQLite. `drain()` (async) or `flush()` (no loop) wait for what is queued."""

    def __init__(
        self, store: TelemetryStore, session_id: str, *, lock_limit: float = DEFAULT_LOCK_LIMIT
    ) -> None:
        self.store = store
        self.session_id = session_id
        self.lock_limit = lock_limit
        self._steps: dict[str, list[StepRow]] = {}
        self._first: dict[str, int] = {}  # run id -> its first episode's index (a resumed run)
        self._ended: dict[str, tuple[str, str | None]] = {}  # run id -> last status queued
        self.failures: dict[str, str] = {}  # run id -> why its recording stopped
        self.unended: dict[str, str] = {}  # run id -> why its final status is not written
        #: Called on the event loop with (run_id, message) once, when a run's recording fails
        #: for good (with no loop running, by `flush` in the thread that calls it).
        self.on_failure: Callable[[str, str], None] | None = None
        self._items: queue.Queue[_Write | None] = queue.Queue()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)  # notified when nothing is pending
        self._pending = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # where on_failure is called
        self._undelivered: list[tuple[str, str]] = []  # failures no loop could take
        self._blocked_since: float | None = None  # writer thread only
        # A private in-memory database cannot be opened twice nor locked by anyone else:
        # its writes are made where they are queued.
        self._inline = str(store.path) == ":memory:"

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
        self._write(run_id, "the run", lambda store: store.begin_run(row))

    def resume(self, run_id: str, first_episode: int) -> None:
        """Record into an existing run (`run --resume`): its episode `i` is stored as
        `first_episode + i`, after the ones it already has."""
        self._first[run_id] = first_episode
        self._steps[run_id] = []

    def end(self, run_id: str, status: str, error: str | None = None) -> None:
        """Mark a run ended, after every episode queued before this call (a runner stopped
        twice, by quitting and then by unmounting, is not written twice)."""
        if self._ended.get(run_id) == (status, error):
            return
        self._ended[run_id] = (status, error)
        self.unended.pop(run_id, None)
        self._write(
            run_id,
            "the run's status",
            lambda store: store.end_run(run_id, status, error),
            final=True,
        )

    def settle(self, wait: float) -> dict[str, str]:
        """Write the ended runs' statuses still missing (a stop that could not wait for the
        writer, a lock that outlasted it), on a connection of its own, waiting up to `wait`
        s for a lock; returns the runs whose status could not be written, with why."""
        ends = dict(self._ended)
        if not ends:
            return {}
        try:
            store = self.store if self._inline else _open_writer(self.store.path)
            try:
                with store.busy_timeout(wait):
                    store.end_running(ends)
            finally:
                if store is not self.store:
                    store.close()
        except (sqlite3.Error, TelemetryError) as exc:
            return {run_id: f"{type(exc).__name__}: {exc}" for run_id in ends}
        self.unended.clear()
        return {}

    def __call__(self, event: RunnerEvent) -> None:
        if event.run_id in self.failures:
            return
        steps = self._steps.setdefault(event.run_id, [])
        episode = getattr(event, "episode", 0) + self._first.get(event.run_id, 0)
        if isinstance(event, StepTaken) and event.actions:  # simultaneous: a row per agent
            rewards = event.rewards or {}
            decisions = event.decisions or {}
            steps.extend(
                StepRow(
                    episode,
                    event.step_index,
                    agent,
                    action if isinstance(action, int) else None,
                    rewards.get(agent, 0.0),
                    event.terminated,
                    event.truncated,
                    {"decision": decisions[agent]} if agent in decisions else None,
                )
                for agent, action in event.actions.items()
            )
        elif isinstance(event, StepTaken):
            action = event.action if isinstance(event.action, int) else None
            steps.append(
                StepRow(
                    episode,
                    event.step_index,
                    event.agent,
                    action,
                    event.reward,
                    event.terminated,
                    event.truncated,
                    _extra(event),
                )
            )
        elif isinstance(event, EpisodeStarted):
            self._steps[event.run_id] = []  # an episode cut short by a reset is not kept
        elif isinstance(event, EpisodeEnded):
            self._steps[event.run_id] = []  # a new list: the writer owns `steps` from here
            row = EpisodeRow(
                event.run_id,
                episode,
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
                f"episode {episode}",
                lambda store: store.record_episode(row, steps),
            )
        elif isinstance(event, StateChanged) and event.state in ("stopped", "error"):
            self.end(event.run_id, event.state, event.detail)

    # ------------------------------------------------------------------ queueing (loop side)

    @property
    def pending(self) -> int:
        """Writes not yet committed nor given up (briefly non-zero after every write: the
        writer thread takes them a moment later)."""
        return self._pending

    @property
    def blocked(self) -> bool:
        """True while the writer waits for another program's lock on the database (what is
        worth telling a user who quits: the wait may last up to `lock_limit`)."""
        return self._blocked_since is not None and self._pending > 0

    def _write(self, run_id: str, what: str, apply: Apply, final: bool = False) -> None:
        with contextlib.suppress(RuntimeError):  # no loop: a script, or after the app ended
            self._loop = asyncio.get_running_loop()
        item = _Write(run_id, what, apply, final)
        if self._inline:
            self._pending += 1
            self._attempt(item, self.store)
            self._done()
            return
        with self._lock:
            self._pending += 1
            self._items.put(item)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="mosaic-tui recorder", daemon=True
                )
                self._thread.start()

    async def drain(self, timeout: float | None = None) -> bool:
        """Wait until every queued write is committed or given up; False on `timeout`.
        Failures found meanwhile have reached `on_failure` when it returns."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._pending:
            if deadline is not None and time.monotonic() >= deadline:
                return False
            await asyncio.sleep(_POLL)
        await asyncio.sleep(0)  # run the on_failure calls the writer queued before finishing
        self._deliver_undelivered()
        return True

    def flush(self, timeout: float | None = None) -> bool:
        """`drain` without an event loop (a script, or after the app has ended): blocks until
        every queued write is committed or given up; False on `timeout`."""
        with self._idle:
            done = self._idle.wait_for(lambda: self._pending == 0, timeout)
        self._deliver_undelivered()
        return done

    def close(self, timeout: float | None = None) -> bool:
        """`flush`, then end the writer thread (it closes its connection); False on
        `timeout`, leaving the thread to finish on its own."""
        done = self.flush(timeout)
        with self._lock:
            thread = self._thread
            if thread is not None and done:
                self._items.put(None)
                self._thread = None
        if thread is not None and done:
            thread.join(timeout)
        return done

    # ------------------------------------------------------------------ writing (writer thread)

    def _work(self) -> None:
        """The writer thread: takes the queued writes in order, on a connection of its own."""
        store: TelemetryStore | None = None
        try:
            while True:
                try:
                    item = self._items.get(timeout=_IDLE_EXIT)
                except queue.Empty:
                    with self._lock:
                        if self._items.empty():  # `_write` queues under this lock: no race
                            self._thread = None
                            return
                    continue
                if item is None:  # `close`
                    return
                try:
                    if store is None:
                        store = _open_writer(self.store.path)
                    self._attempt(item, store)
                except sqlite3.Error as exc:  # cannot even open the database
                    self._fail(item, f"{type(exc).__name__}: {exc}")
                except Exception as exc:  # never die with writes left: say what went wrong
                    log.exception("recorder writer")
                    self._fail(item, f"{type(exc).__name__}: {exc}")
                self._done()
        finally:
            if store is not None:
                with contextlib.suppress(sqlite3.Error):
                    store.close()

    def _attempt(self, item: _Write, store: TelemetryStore) -> None:
        """Commit one write, waiting out another program's lock up to `lock_limit`."""
        while item.final or item.run_id not in self.failures:
            began = time.monotonic()
            try:
                with store.busy_timeout(_ATTEMPT):
                    item.apply(store)
            except sqlite3.OperationalError as exc:
                if not _is_lock(exc):
                    self._fail(item, f"{type(exc).__name__}: {exc}")
                    return
                if self._given_up(item):
                    return
                time.sleep(max(0.0, _ATTEMPT - (time.monotonic() - began)))  # never spin
                continue
            except (TelemetryError, sqlite3.Error) as exc:
                self._fail(item, str(exc))
                return
            self._blocked_since = None
            return

    def _given_up(self, item: _Write) -> bool:
        """True (and the run failed) once the lock has outlasted `lock_limit`."""
        now = time.monotonic()
        if self._blocked_since is None:
            self._blocked_since = now
        if now - self._blocked_since < self.lock_limit:
            return False
        if item.final:  # the run stays `running` in the database: said by `unended`
            self.unended[item.run_id] = (
                f"the results database {self.store.path} stayed locked for"
                f" {self.lock_limit:g} s more"
            )
            if item.run_id in self.failures:  # already said; other ends give up at once
                return True
        self._fail(
            item,
            f"the results database {self.store.path} stayed locked for"
            f" {self.lock_limit:g} s (another program is writing to it); close that program"
            " or let it finish, pass another --db, or wait longer with --db-wait",
        )
        self._blocked_since = now  # the next run gets its own full wait
        return True

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    def _fail(self, item: _Write, reason: str) -> None:
        if item.final:
            self.unended.setdefault(item.run_id, reason)
        with self._lock:
            if item.run_id in self.failures:
                return
            message = f"could not record {item.what} of run {item.run_id}: {reason}"
            self.failures[item.run_id] = message
        log.error("%s", message)
        if self._inline:
            self._notify(item.run_id, message)
            return
        loop = self._loop
        if loop is not None and loop.is_running():
            try:
                loop.call_soon_threadsafe(self._notify, item.run_id, message)
                return
            except RuntimeError:  # closed meanwhile
                pass
        with self._lock:
            self._undelivered.append((item.run_id, message))

    def _deliver_undelivered(self) -> None:
        with self._lock:
            notices, self._undelivered = self._undelivered, []
        for run_id, message in notices:
            self._notify(run_id, message)

    def _notify(self, run_id: str, message: str) -> None:
        if self.on_failure is not None:
            self.on_failure(run_id, message)


def _open_writer(path: Path | str) -> TelemetryStore:
    """The writer thread's own connection to the store's file (a connection is never shared
    between threads); the schema exists already, so it only sets its pragmas."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
    except BaseException:
        conn.close()
        raise
    return TelemetryStore(conn, path)


def _is_lock(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _extra(event: StepTaken) -> dict[str, Any] | None:
    """A turn's extras: every agent's reward (multi-agent), the mover's decision record."""
    extra: dict[str, Any] = {}
    if event.rewards:
        extra["rewards"] = event.rewards
    record = (event.decisions or {}).get(event.agent)
    if record:
        extra["decision"] = record
    return extra or None
