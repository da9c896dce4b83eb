"""`mosaic-tui export`: recorded runs as CSV or JSONL, for pandas, spreadsheets, jq."""

from __future__ import annotations

import argparse
import sys

from mosaic_tui.telemetry import TelemetryError, TelemetryStore, default_db_path, export


def export_command(args: argparse.Namespace) -> int:
    db = args.db or default_db_path()
    if not db.exists():
        print(
            f"error: no results database at {db}; run an experiment first or pass --db",
            file=sys.stderr,
        )
        return 2
    try:
        with TelemetryStore.open(db) as store:
            out = args.output if args.output is not None else sys.stdout
            rows = export(
                store,
                out,
                fmt=args.format,
                table=args.table,
                session_id=args.session,
                run_id=args.run,
            )
    except TelemetryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.output is not None:
        print(f"wrote {rows} {args.table} rows to {args.output}", file=sys.stderr)
    return 0
