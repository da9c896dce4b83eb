"""The store's writes: a session, a run, an episode with all its steps, a run's end.

Each call is one transaction. An episode and its steps are committed together when the
episode ends, so killing a run loses at most the episode in progress.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from collections.abc import Mapping, Sequence

from mosaic_tui.core.secrets import redact_secrets
from mosaic_tui.telemetry.columns import _EPISODE_COLS, _RUN_COLS, _STEP_COLS, _dumps
from mosaic_tui.telemetry.connection import StoreConnection
from mosaic_tui.telemetry.rows import EpisodeRow, RunRow, SessionRow, StepRow
from mosaic_tui.telemetry.schema import TelemetryError
from mosaic_tui.telemetry.text import redact_text


class StoreWrites(StoreConnection):
    """Recording sessions, runs and episodes (the `TelemetryStore` methods that write)."""

    def begin_session(self, row: SessionRow) -> None:
        """Record a new session (committed at once), with the process recording it (`pid`,
        `host`): a session still "running" whose process is gone was killed (`sessions`)."""
        meta = {"pid": os.getpid(), "host": socket.gethostname(), **(row.meta or {})}
        try:
            with self._transaction() as conn:
                conn.execute(
                    "INSERT INTO sessions VALUES (?, ?, ?, ?)",
                    (
                        row.session_id,
                        float(row.started_at),
                        row.source,
                        _dumps(redact_secrets(meta)),
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

    def end_running(self, ends: Mapping[str, tuple[str, str | None]]) -> int:
        """Mark ended, with their (status, error), those of these runs still `running`, in
        one transaction: a last word after a stop cut the recording short, which must not
        undo a status already written. How many runs it changed."""
        changed = 0
        with self._transaction() as conn:
            for run_id, (status, error) in ends.items():
                changed += conn.execute(
                    "UPDATE runs SET ended_at = ?, status = ?, error = ?"
                    " WHERE run_id = ? AND status = 'running'",
                    (time.time(), status, None if error is None else redact_text(error), run_id),
                ).rowcount
        return changed

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
