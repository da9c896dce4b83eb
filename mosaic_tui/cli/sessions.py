"""`mosaic-tui sessions`: what is in the results database, to pick a session to export."""

from __future__ import annotations

import argparse
import datetime as dt
import socket
from typing import Any

from rich.console import Console
from rich.table import Table

from mosaic_tui.cli.text import safe
from mosaic_tui.protocol.stdio import pid_alive
from mosaic_tui.telemetry import TelemetryError, TelemetryStore, default_db_path


def sessions_command(args: argparse.Namespace) -> int:
    console, errors = Console(), Console(stderr=True)
    db = args.db or default_db_path()
    if not db.exists():
        errors.print(
            f"error: no results database at {safe(db)}; run an experiment first or pass --db",
            highlight=False,
            soft_wrap=True,
        )
        return 2
    try:
        with TelemetryStore.open(db) as store:
            rows = store.session_overview(limit=max(1, args.limit))
    except TelemetryError as exc:
        errors.print(f"error: {safe(exc)}", highlight=False, soft_wrap=True)
        return 2
    if not rows:
        console.print(f"no sessions recorded in {safe(db)}", highlight=False, soft_wrap=True)
        return 0
    table = sessions_table(rows)
    console.print(table)
    console.print(
        "export one: mosaic-tui export SESSION (or --latest-finished)",
        highlight=False,
        soft_wrap=True,
    )
    return 0


def sessions_table(rows: list[Any]) -> Table:
    """Newest first. The session id is what `export`, `report` and `gif` take: it is never
    cut or wrapped; the file and the status wrap in the room left."""
    table = Table(box=None, header_style="bold")
    longest = max((len(row.session_id) for row in rows), default=7)
    table.add_column("session", no_wrap=True, min_width=longest)
    table.add_column("when")  # the date and the time wrap onto two lines when narrow
    table.add_column("file", overflow="fold")
    table.add_column("operators", justify="right", no_wrap=True)
    table.add_column("episodes", justify="right", no_wrap=True)
    table.add_column("status", overflow="fold")
    for row in rows:
        when = dt.datetime.fromtimestamp(row.started_at).strftime("%Y-%m-%d %H:%M:%S")
        source = row.meta.get("source") if isinstance(row.meta, dict) else None
        table.add_row(
            safe(row.session_id),
            when,
            safe(source) if source else f"({safe(row.source)})",
            str(row.operators),
            str(row.episodes),
            safe(status_text(row.status, row.meta)),
        )
    return table


def status_text(status: str, meta: Any) -> str:
    """The runs' status; "running" runs whose process is gone (killed: nothing ended them)
    are said to be stale. Only a process on this host can be checked."""
    if "running" not in status or not isinstance(meta, dict):
        return status
    pid, host = meta.get("pid"), meta.get("host")
    if not isinstance(pid, int) or host != socket.gethostname() or pid_alive(pid):
        return status
    return f"{status} (stale: its process {pid} is gone)"
