"""SQLite store for sessions, runs, episodes and steps.

Durability contract: each episode and all its steps are committed in one transaction when the
episode ends, so killing a run loses at most the episode in progress. WAL mode lets a second
process (an export, the app's history view) read while a run writes.

The store is used from one thread (the asyncio loop); a connection is never shared between
threads. The tables and the opening of the file live in `schema`, run statistics in `summary`;
their public names are re-exported here.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mosaic_tui.core.decisions import DecisionStats
from mosaic_tui.core.secrets import redact_secrets
from mosaic_tui.telemetry.rows import EpisodeRow, RunRow, SessionRow, StepRow
from mosaic_tui.telemetry.schema import SCHEMA_VERSION, TelemetryError, format_ids, open_database
from mosaic_tui.telemetry.summary import RunSummary, summarize_rows
from mosaic_tui.telemetry.text import redact_text

__all__ = [
    "SCHEMA_VERSION",
    "RunSummary",
    "SessionOverview",
    "StepTuple",
    "TelemetryError",
    "TelemetryStore",
    "format_ids",
]

StepTuple = tuple[int, int, str, int | None, float, bool, bool]

_RUN_COLS = (
    "run_id, session_id, operator_id, display_name, env_name, task, config, "
    "started_at, ended_at, status, error"
)
_EPISODE_COLS = (
    "run_id, episode_index, seed, total_reward, length, terminated, truncated, "
    "started_at, ended_at, rewards, success"
)
_STEP_COLS = "episode_index, step_index, agent, action, reward, terminated, truncated, extra"


def _json_default(value: Any) -> Any:
    # Duck-typed numpy support (scalars have .item(), arrays .tolist()) without importing it.
    for attr in ("item", "tolist"):
        convert = getattr(value, attr, None)
        if callable(convert):
            try:
                return convert()
            except (TypeError, ValueError):
                pass
    return str(value)


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=_json_default)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _opt_bool(value: int | None) -> bool | None:
    return None if value is None else bool(value)


@dataclass(frozen=True, slots=True)
class SessionOverview:
    """A session as `mosaic-tui sessions` lists it."""

    session_id: str
    started_at: float
    source: str
    meta: dict[str, Any]
    operators: int
    episodes: int
    statuses: list[str]

    @property
    def status(self) -> str:
        """One word when every run agrees (`finished`), else the counts (`1 error, 2 finished`)."""
        counts: dict[str, int] = {}
        for status in self.statuses:
            if status:
                counts[status] = counts.get(status, 0) + 1
        if not counts:
            return "-"
        if len(counts) == 1:
            return next(iter(counts))
        return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))


class TelemetryStore:
    """Append-mostly store of sessions, runs, episodes and steps in one SQLite file."""

    def __init__(self, conn: sqlite3.Connection, path: Path | str) -> None:
        """Wrap an already configured connection; use :meth:`open` instead."""
        self._conn = conn
        self.path = path

    # ----------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, path: Path | str) -> TelemetryStore:
        """Open (creating if needed) the database at ``path``; ``":memory:"`` is allowed."""
        conn, path = open_database(path)
        return cls(conn, path)

    def close(self) -> None:
        """Close the connection; safe to call twice."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None  # type: ignore[assignment]

    def __enter__(self) -> TelemetryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # a failed COMMIT (locked) must not leave it open
                conn.execute("ROLLBACK")
            raise

    @contextmanager
    def busy_timeout(self, seconds: float) -> Iterator[None]:
        """How long SQLite itself waits for another writer's lock, for the calls inside."""
        conn = self._connection()
        before = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        conn.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        try:
            yield
        finally:
            if self._conn is not None:
                conn.execute(f"PRAGMA busy_timeout = {int(before)}")

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise TelemetryError(f"telemetry store {self.path} is closed")
        return self._conn

    # ----------------------------------------------------------------- writes

    def begin_session(self, row: SessionRow) -> None:
        """Record a new session (committed at once)."""
        try:
            with self._transaction() as conn:
                conn.execute(
                    "INSERT INTO sessions VALUES (?, ?, ?, ?)",
                    (
                        row.session_id,
                        float(row.started_at),
                        row.source,
                        _dumps(redact_secrets(row.meta or {})),
                    ),
                )
        except sqlite3.IntegrityError as exc:
            raise TelemetryError(f"session {row.session_id!r} already exists") from exc

    def begin_run(self, row: RunRow) -> None:
        """Record a new run with its config, secrets redacted (committed at once)."""
        with self._transaction() as conn:
            if not self._exists(conn, "sessions", "session_id", row.session_id):
                raise TelemetryError(
                    f"run {row.run_id!r} names unknown session {row.session_id!r}; "
                    "call begin_session first"
                )
            if self._exists(conn, "runs", "run_id", row.run_id):
                raise TelemetryError(f"run {row.run_id!r} already exists")
            conn.execute(
                f"INSERT INTO runs ({_RUN_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    row.run_id,
                    row.session_id,
                    row.operator_id,
                    row.display_name,
                    row.env_name,
                    row.task,
                    _dumps(redact_secrets(row.config or {})),
                    float(row.started_at),
                    row.ended_at,
                    row.status,
                    row.error,
                ),
            )

    def record_episode(self, episode: EpisodeRow, steps: Sequence[StepRow]) -> None:
        """Store an episode and all its steps in one transaction: all or nothing."""
        run_id, index = episode.run_id, episode.episode_index
        for step in steps:
            if step.episode_index != index:
                raise TelemetryError(
                    f"step {step.step_index} of agent {step.agent!r} belongs to episode "
                    f"{step.episode_index}, not to episode {index} of run {run_id!r}"
                )
        step_params = [
            (
                run_id,
                s.episode_index,
                s.step_index,
                s.agent,
                None if s.action is None else int(s.action),
                float(s.reward),
                int(bool(s.terminated)),
                int(bool(s.truncated)),
                _dumps(s.extra),
            )
            for s in steps
        ]
        with self._transaction() as conn:
            if not self._exists(conn, "runs", "run_id", run_id):
                raise TelemetryError(f"episode {index} names unknown run {run_id!r}")
            if conn.execute(
                "SELECT 1 FROM episodes WHERE run_id = ? AND episode_index = ?",
                (run_id, index),
            ).fetchone():
                raise TelemetryError(f"episode {index} of run {run_id!r} is already recorded")
            try:
                conn.execute(
                    f"INSERT INTO episodes ({_EPISODE_COLS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        run_id,
                        index,
                        None if episode.seed is None else int(episode.seed),
                        float(episode.total_reward),
                        int(episode.length),
                        int(bool(episode.terminated)),
                        int(bool(episode.truncated)),
                        float(episode.started_at),
                        float(episode.ended_at),
                        _dumps(episode.rewards),
                        None if episode.success is None else int(bool(episode.success)),
                    ),
                )
                conn.executemany(
                    "INSERT INTO steps (run_id, " + _STEP_COLS + ") "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    step_params,
                )
            except sqlite3.IntegrityError as exc:
                raise TelemetryError(
                    f"episode {index} of run {run_id!r} was not recorded: {exc} "
                    "(duplicate step or missing value)"
                ) from exc

    def end_run(self, run_id: str, status: str, error: str | None = None) -> None:
        """Mark a run ended now: ``finished`` (every episode played), ``interrupted`` (a
        signal or Ctrl-C), ``error``, or ``stopped`` (the app). Secret values are masked in
        the error text."""
        with self._transaction() as conn:
            cur = conn.execute(
                "UPDATE runs SET ended_at = ?, status = ?, error = ? WHERE run_id = ?",
                (time.time(), status, None if error is None else redact_text(error), run_id),
            )
            if cur.rowcount == 0:
                raise TelemetryError(f"cannot end unknown run {run_id!r}")

    def reopen_run(self, run_id: str) -> int:
        """Mark a run running again (`run --resume`); return how many episodes it has, which
        must be episodes 0 to n-1 (they are committed in order, one at a time)."""
        with self._transaction() as conn:
            count, last = conn.execute(
                "SELECT COUNT(*), MAX(episode_index) FROM episodes WHERE run_id = ?", (run_id,)
            ).fetchone()
            if count and last != count - 1:
                raise TelemetryError(
                    f"run {run_id!r} has {count} episodes but the last is {last}: it cannot"
                    " be continued in order"
                )
            cur = conn.execute(
                "UPDATE runs SET ended_at = NULL, status = 'running', error = NULL"
                " WHERE run_id = ?",
                (run_id,),
            )
            if cur.rowcount == 0:
                raise TelemetryError(f"cannot resume unknown run {run_id!r}")
        return int(count)

    # ----------------------------------------------------------------- queries

    def sessions(self) -> list[SessionRow]:
        """All sessions, newest first."""
        rows = self._connection().execute(
            "SELECT session_id, started_at, source, meta FROM sessions "
            "ORDER BY started_at DESC, rowid DESC"
        )
        return [SessionRow(sid, ts, src, _loads(meta)) for sid, ts, src, meta in rows]

    def session(self, session_id: str) -> SessionRow | None:
        row = (
            self._connection()
            .execute(
                "SELECT session_id, started_at, source, meta FROM sessions WHERE session_id = ?",
                (session_id,),
            )
            .fetchone()
        )
        return None if row is None else SessionRow(row[0], row[1], row[2], _loads(row[3]))

    def iter_episode_stats(self, run_id: str) -> Iterator[tuple[Any, ...]]:
        """(seed, total_reward, length, success, rewards, started_at, ended_at) per episode,
        in order, streamed (a report over millions of episodes holds one at a time)."""
        rows = self._connection().execute(
            "SELECT seed, total_reward, length, success, rewards, started_at, ended_at"
            " FROM episodes WHERE run_id = ? ORDER BY episode_index",
            (run_id,),
        )
        for seed, total, length, success, rewards, began, ended in rows:
            yield seed, total, length, _opt_bool(success), _loads(rewards), began, ended

    def session_overview(self, limit: int | None = None) -> list[SessionOverview]:
        """Sessions newest first, each with its runs' count, episodes and statuses."""
        sql = (
            "SELECT s.session_id, s.started_at, s.source, s.meta,"
            " (SELECT COUNT(*) FROM runs r WHERE r.session_id = s.session_id),"
            " (SELECT COUNT(*) FROM episodes e JOIN runs r ON e.run_id = r.run_id"
            "  WHERE r.session_id = s.session_id),"
            " (SELECT group_concat(status, ',') FROM runs r WHERE r.session_id = s.session_id)"
            " FROM sessions s ORDER BY s.started_at DESC, s.rowid DESC"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [
            SessionOverview(sid, ts, src, _loads(meta) or {}, ops, eps, (st or "").split(","))
            for sid, ts, src, meta, ops, eps, st in self._connection().execute(sql)
        ]

    def latest_finished_session_id(self) -> str | None:
        """The newest session with at least one recorded episode."""
        row = (
            self._connection()
            .execute(
                "SELECT s.session_id FROM sessions s WHERE EXISTS (SELECT 1 FROM runs r"
                " JOIN episodes e ON e.run_id = r.run_id WHERE r.session_id = s.session_id)"
                " ORDER BY s.started_at DESC, s.rowid DESC LIMIT 1"
            )
            .fetchone()
        )
        return None if row is None else row[0]

    def latest_session_id(self) -> str | None:
        """The newest session's id, or None for an empty database."""
        row = (
            self._connection()
            .execute("SELECT session_id FROM sessions ORDER BY started_at DESC, rowid DESC LIMIT 1")
            .fetchone()
        )
        return None if row is None else row[0]

    def runs(self, session_id: str | None = None) -> list[RunRow]:
        """Runs of one session (or all), oldest first."""
        if session_id is None:
            return self._select_runs("", ())
        return self._select_runs("WHERE session_id = ?", (session_id,))

    def run(self, run_id: str) -> RunRow | None:
        """One run by id, or None."""
        found = self._select_runs("WHERE run_id = ?", (run_id,))
        return found[0] if found else None

    def _select_runs(self, where: str, params: tuple[Any, ...]) -> list[RunRow]:
        rows = self._connection().execute(
            f"SELECT {_RUN_COLS} FROM runs {where} ORDER BY started_at, rowid", params
        )
        return [
            RunRow(r[0], r[1], r[2], r[3], r[4], r[5], _loads(r[6]), r[7], r[8], r[9], r[10])
            for r in rows
        ]

    def episodes(self, run_id: str) -> list[EpisodeRow]:
        """A run's episodes in order."""
        rows = self._connection().execute(
            f"SELECT {_EPISODE_COLS} FROM episodes WHERE run_id = ? ORDER BY episode_index",
            (run_id,),
        )
        return [
            EpisodeRow(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                bool(r[5]),
                bool(r[6]),
                r[7],
                r[8],
                _loads(r[9]),
                _opt_bool(r[10]),
            )
            for r in rows
        ]

    def iter_steps(self, run_id: str, episode_index: int | None = None) -> Iterator[StepRow]:
        """Stream a run's steps ordered by episode, step, agent (exports of big sweeps)."""
        sql = f"SELECT {_STEP_COLS} FROM steps WHERE run_id = ?"
        params: tuple[Any, ...] = (run_id,)
        if episode_index is not None:
            sql, params = sql + " AND episode_index = ?", (run_id, episode_index)
        for r in self._connection().execute(
            sql + " ORDER BY episode_index, step_index, agent", params
        ):
            yield StepRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), bool(r[6]), _loads(r[7]))

    def steps(self, run_id: str, episode_index: int | None = None) -> list[StepRow]:
        """A run's steps (optionally of one episode) ordered by episode, step, agent."""
        return list(self.iter_steps(run_id, episode_index))

    def step_table(self, run_id: str, episode_index: int | None = None) -> list[StepTuple]:
        """Steps as plain tuples, to compare two runs (e.g. same seed, same actions), or to
        replay one episode (`episode_index`: read by the key, not the whole run)."""
        where, params = "run_id = ?", (run_id,)
        if episode_index is not None:
            where, params = "run_id = ? AND episode_index = ?", (run_id, episode_index)
        rows = self._connection().execute(
            "SELECT episode_index, step_index, agent, action, reward, terminated, truncated "
            f"FROM steps WHERE {where} ORDER BY episode_index, step_index, agent",
            params,
        )
        return [(e, s, a, act, rew, bool(te), bool(tr)) for e, s, a, act, rew, te, tr in rows]

    def decision_records(self, run_id: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(agent, record) of every step whose decision worker kept a record (LLM players)."""
        rows = self._connection().execute(
            "SELECT agent, extra FROM steps WHERE run_id = ? AND extra LIKE '%\"decision\"%'"
            " ORDER BY episode_index, step_index, agent",
            (run_id,),
        )
        for agent, extra in rows:
            record = (_loads(extra) or {}).get("decision")
            if isinstance(record, dict):
                yield agent, record

    def decision_stats(self, run_id: str) -> dict[str, DecisionStats]:
        """Per agent, a model's answers in this run (records that count `replies`; an RL
        player's probabilities are not answers), added up by SQLite: a run of a million
        decisions is summed without parsing one record in Python."""
        d = "'$.decision."
        rows = self._connection().execute(
            "SELECT agent, COUNT(*),"
            f" SUM(json_extract(extra, {d}valid') = 0),"
            f" SUM(COALESCE(json_extract(extra, {d}fallback'), '') NOT IN ('', 0)),"
            f" SUM(CASE WHEN json_type(extra, {d}latency_ms') IN ('integer', 'real')"
            f"     THEN json_extract(extra, {d}latency_ms') ELSE 0 END),"
            f" SUM(CASE WHEN json_type(extra, {d}tokens_in') = 'integer'"
            f"     THEN json_extract(extra, {d}tokens_in') ELSE 0 END"
            f"   + CASE WHEN json_type(extra, {d}tokens_out') = 'integer'"
            f"     THEN json_extract(extra, {d}tokens_out') ELSE 0 END)"
            " FROM steps WHERE run_id = ? AND extra LIKE '%\"replies\"%'"
            f" AND json_type(extra, {d}replies') IS NOT NULL"
            " GROUP BY agent ORDER BY agent",
            (run_id,),
        )
        return {
            agent: DecisionStats(n, int(invalid or 0), int(fallbacks or 0), float(ms or 0.0),
                                 int(tokens or 0))  # fmt: skip
            for agent, n, invalid, fallbacks, ms, tokens in rows
        }

    def summary(self, run_id: str) -> RunSummary:
        """Mean return with a 95% CI, success rate and lengths over a run's episodes
        (read row by row: a run of millions of episodes is summarised in constant memory)."""
        if self.run(run_id) is None:
            raise TelemetryError(
                f"unknown run {run_id!r}; known runs: {format_ids(self.recent_run_ids())}"
            )
        rows = self._connection().execute(
            "SELECT total_reward, length, success, rewards FROM episodes WHERE run_id = ?",
            (run_id,),
        )
        return summarize_rows(run_id, ((r, n, s, _loads(p)) for r, n, s, p in rows))

    def recent_run_ids(self, limit: int | None = None) -> list[str]:
        """Run ids, newest first (for "did you mean" messages)."""
        sql = "SELECT run_id FROM runs ORDER BY started_at DESC, rowid DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [r[0] for r in self._connection().execute(sql)]

    @staticmethod
    def _exists(conn: sqlite3.Connection, table: str, column: str, value: str) -> bool:
        sql = f"SELECT 1 FROM {table} WHERE {column} = ? LIMIT 1"
        return conn.execute(sql, (value,)).fetchone() is not None
