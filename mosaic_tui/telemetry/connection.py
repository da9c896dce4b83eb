"""The store's SQLite connection: closing it, transactions and SQLite's own lock wait.

`TelemetryStore` is built on `StoreConnection`; its writes (`writes`) and queries
(`queries`) go through `_connection` and `_transaction` here. The connection is used from one
thread and never shared between threads.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mosaic_tui.telemetry.schema import TelemetryError


class StoreConnection:
    """One open SQLite connection of the telemetry store, and how calls use it."""

    def __init__(self, conn: sqlite3.Connection, path: Path | str) -> None:
        """Wrap an already configured connection; use `TelemetryStore.open` instead."""
        self._conn = conn
        self.path = path

    def close(self) -> None:
        """Close the connection; safe to call twice."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None  # type: ignore[assignment]

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

    @staticmethod
    def _exists(conn: sqlite3.Connection, table: str, column: str, value: str) -> bool:
        sql = f"SELECT 1 FROM {table} WHERE {column} = ? LIMIT 1"
        return conn.execute(sql, (value,)).fetchone() is not None
