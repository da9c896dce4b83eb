"""The store's queries: sessions, runs, episodes and steps read back, and run statistics.

Big reads are streamed (`iter_steps`, `iter_episode_stats`) or summed by SQLite itself
(`decision_stats`, `summary`), so a run of millions of steps is never held at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mosaic_tui.core.decisions import DecisionStats
from mosaic_tui.telemetry.columns import _EPISODE_COLS, _RUN_COLS, _STEP_COLS, _loads, _opt_bool
from mosaic_tui.telemetry.connection import StoreConnection
from mosaic_tui.telemetry.rows import EpisodeRow, RunRow, SessionRow, StepRow
from mosaic_tui.telemetry.schema import TelemetryError, format_ids
from mosaic_tui.telemetry.summary import RunSummary, summarize_rows

StepTuple = tuple[int, int, str, int | None, float, bool, bool]


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


class StoreQueries(StoreConnection):
    """Reading the store back (the `TelemetryStore` methods that query)."""

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
