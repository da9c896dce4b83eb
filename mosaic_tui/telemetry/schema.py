"""The telemetry database file: its schema, its version, and opening and validating it.

The schema version lives in SQLite's ``user_version``. Opening a file creates the tables when
the version is 0 (after checking the file is not someone else's database), refuses a file
written by a newer mosaic-tui, and sets the connection pragmas (WAL, foreign keys).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from mosaic_tui.telemetry.paths import ensure_parent

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    started_at REAL NOT NULL,
    source     TEXT NOT NULL,
    meta       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run_id       TEXT PRIMARY KEY,
    session_id   TEXT NOT NULL REFERENCES sessions(session_id),
    operator_id  TEXT NOT NULL,
    display_name TEXT NOT NULL,
    env_name     TEXT NOT NULL,
    task         TEXT NOT NULL,
    config       TEXT NOT NULL,
    started_at   REAL NOT NULL,
    ended_at     REAL,
    status       TEXT NOT NULL,
    error        TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_session ON runs(session_id, started_at);
CREATE TABLE IF NOT EXISTS episodes (
    run_id        TEXT NOT NULL REFERENCES runs(run_id),
    episode_index INTEGER NOT NULL,
    seed          INTEGER,
    total_reward  REAL NOT NULL,
    length        INTEGER NOT NULL,
    terminated    INTEGER NOT NULL,
    truncated     INTEGER NOT NULL,
    started_at    REAL NOT NULL,
    ended_at      REAL NOT NULL,
    rewards       TEXT,
    success       INTEGER,
    PRIMARY KEY (run_id, episode_index)
);
CREATE TABLE IF NOT EXISTS steps (
    run_id        TEXT NOT NULL REFERENCES runs(run_id),
    episode_index INTEGER NOT NULL,
    step_index    INTEGER NOT NULL,
    agent         TEXT NOT NULL,
    action        INTEGER,
    reward        REAL NOT NULL,
    terminated    INTEGER NOT NULL,
    truncated     INTEGER NOT NULL,
    extra         TEXT,
    PRIMARY KEY (run_id, episode_index, step_index, agent)
) WITHOUT ROWID;
"""


class TelemetryError(Exception):
    """A telemetry problem worth showing to the user as is (no traceback needed)."""


def format_ids(ids: Sequence[str], limit: int = 5) -> str:
    """Render at most ``limit`` ids for error messages."""
    if not ids:
        return "none"
    shown = ", ".join(ids[:limit])
    return shown + (f", … ({len(ids)} in all)" if len(ids) > limit else "")


def open_database(path: Path | str) -> tuple[sqlite3.Connection, Path | str]:
    """Open (creating if needed) the database at ``path``, ready for use.

    Returns the connection (autocommit; transactions are explicit) and the path as the store
    keeps it: a :class:`Path`, or the string ``":memory:"``.
    """
    if str(path) != ":memory:":
        path = Path(path)
        try:
            ensure_parent(path)
        except OSError as exc:
            raise TelemetryError(
                f"cannot create the folder for telemetry database {path}: {exc}; pass another --db"
            ) from exc
    try:
        conn = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise TelemetryError(
            f"cannot open telemetry database {path}: {exc}; pass another --db"
        ) from exc
    try:
        _prepare(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn, path


def _prepare(conn: sqlite3.Connection, path: Path | str) -> None:
    """Check the schema version, set the pragmas and create the schema if the file is new."""
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise TelemetryError(
            f"{path} is not an SQLite database ({exc}); pass another --db"
        ) from exc
    if version > SCHEMA_VERSION:
        raise TelemetryError(
            f"{path} was written by a newer mosaic-tui (schema {version}); "
            "upgrade or choose another --db"
        )
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        if version < SCHEMA_VERSION:
            _create_schema(conn, path)
    except sqlite3.Error as exc:
        raise TelemetryError(
            f"cannot prepare telemetry database {path}: {exc}; pass another --db"
        ) from exc


def _create_schema(conn: sqlite3.Connection, path: Path | str) -> None:
    """Create tables and stamp the version atomically; refuse someone else's database."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Re-read under the write lock: another process may have just created the schema.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            foreign = [
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                )
            ]
            if foreign:
                raise TelemetryError(
                    f"{path} is an SQLite database but not a mosaic-tui telemetry one "
                    f"(tables: {format_ids(foreign)}); pass another --db"
                )
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
