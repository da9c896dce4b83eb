"""`mosaic-tui export`: recorded runs as CSV or JSONL, for pandas, spreadsheets, jq."""

from __future__ import annotations

import argparse
import sys

from mosaic_tui.cli.outputs import unwritable
from mosaic_tui.cli.text import plain
from mosaic_tui.telemetry import TelemetryError, TelemetryStore, default_db_path, export


def export_command(args: argparse.Namespace) -> int:
    db = args.db or default_db_path()
    if not db.exists():
        print(
            f"error: no results database at {plain(db)}; run an experiment first or pass --db",
            file=sys.stderr,
        )
        return 2
    named = [s for s in (getattr(args, "session_id", None), args.session) if s is not None]
    if len(set(named)) > 1 or (named and getattr(args, "latest_finished", False)):
        print("error: name one session (SESSION, --session or --latest-finished)", file=sys.stderr)
        return 2
    if args.format == "minari":
        from mosaic_tui.cli.minari_export import export_command_minari

        try:
            with TelemetryStore.open(db) as store:
                session = named[0] if named else store.latest_finished_session_id()
        except TelemetryError as exc:
            print(f"error: {plain(exc)}", file=sys.stderr)
            return 2
        if session is None:
            print(f"error: no session in {plain(db)} has a recorded episode yet", file=sys.stderr)
            return 2
        return export_command_minari(db, session, args.operator, args.dataset_id)
    try:
        with TelemetryStore.open(db) as store:
            session = named[0] if named else None
            if getattr(args, "latest_finished", False):
                session = store.latest_finished_session_id()
                if session is None:
                    raise TelemetryError(f"no session in {db} has a recorded episode yet")
            if args.output is not None:
                why = unwritable(args.output)
                if why is not None:
                    raise TelemetryError(f"cannot write {args.output}: {why}; choose another -o")
            out = args.output if args.output is not None else sys.stdout
            chosen = session or (None if args.run else store.latest_session_id())
            try:
                rows = export(
                    store,
                    out,
                    fmt=args.format,
                    table=args.table,
                    session_id=session,
                    run_id=args.run,
                )
                if args.output is None:
                    sys.stdout.flush()  # a closed pipe is found here, not at exit
            except BrokenPipeError:  # `export | head`: the reader has what it wanted
                raise  # main() ends quietly with 0
            except OSError as exc:
                where = args.output if args.output is not None else "to stdout"
                raise TelemetryError(f"cannot write {where}: {exc}") from None
    except TelemetryError as exc:
        print(f"error: {plain(exc)}", file=sys.stderr)
        return 2
    if args.output is not None:
        print(f"wrote {rows} {args.table} rows to {plain(args.output)}", file=sys.stderr)
    if rows == 0 and chosen is not None:
        print(
            f"note: session {plain(chosen)} has no {args.table} rows (an app session where"
            " nothing finished?); `mosaic-tui sessions` lists them all, or pass"
            " --latest-finished",
            file=sys.stderr,
        )
    return 0
