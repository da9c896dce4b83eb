"""`mosaic-tui sessions`: what is in the results database, to pick a session to export."""

from __future__ import annotations

import argparse
import datetime as dt

from rich.console import Console
from rich.table import Table

from mosaic_tui.cli.text import safe
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
    table = Table(box=None, header_style="bold")
    for name, justify in (
        ("session", "left"),
        ("when", "left"),
        ("file", "left"),
        ("operators", "right"),
        ("episodes", "right"),
        ("status", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        when = dt.datetime.fromtimestamp(row.started_at).strftime("%Y-%m-%d %H:%M:%S")
        source = row.meta.get("source") if isinstance(row.meta, dict) else None
        table.add_row(
            safe(row.session_id),
            when,
            safe(source) if source else f"({safe(row.source)})",
            str(row.operators),
            str(row.episodes),
            safe(row.status),
        )
    console.print(table)
    console.print(
        "export one: mosaic-tui export SESSION (or --latest-finished)",
        highlight=False,
        soft_wrap=True,
    )
    return 0
