"""SQLite store for sessions, runs, episodes and steps.

Durability contract: each episode and all its steps are committed in one transaction when the
episode ends, so killing a run loses at most the episode in progress. WAL mode lets a second
process (an export, the app's history view) read while a run writes.

The store is used from one thread (the asyncio loop); a connection is never shared between
threads. The tables and the opening of the file live in `schema`, the connection and its
transactions in `connection`, the writes in `writes`, the queries in `queries`, run statistics
in `summary`; their public names are re-exported here.
"""

from __future__ import annotations

from pathlib import Path

from mosaic_tui.telemetry.queries import SessionOverview, StepTuple, StoreQueries
from mosaic_tui.telemetry.schema import SCHEMA_VERSION, TelemetryError, format_ids, open_database
from mosaic_tui.telemetry.summary import RunSummary
from mosaic_tui.telemetry.writes import StoreWrites

__all__ = [
    "SCHEMA_VERSION",
    "RunSummary",
    "SessionOverview",
    "StepTuple",
    "TelemetryError",
    "TelemetryStore",
    "format_ids",
]


class TelemetryStore(StoreWrites, StoreQueries):
    """Append-mostly store of sessions, runs, episodes and steps in one SQLite file."""

    @classmethod
    def open(cls, path: Path | str) -> TelemetryStore:
        """Open (creating if needed) the database at ``path``; ``":memory:"`` is allowed."""
        conn, path = open_database(path)
        return cls(conn, path)

    def __enter__(self) -> TelemetryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
