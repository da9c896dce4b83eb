"""`mosaic-tui` / `mosaic-tui app`: the terminal app on the built-in demo."""

from __future__ import annotations

import argparse
import os
import sys

from mosaic_tui.telemetry import (
    Recorder,
    SessionRow,
    TelemetryError,
    TelemetryStore,
    default_db_path,
    default_log_dir,
)


def color_mode(choice: str) -> str:
    """256 colours unless the terminal says it has truecolor (or the user forces one)."""
    if choice != "auto":
        return choice
    return "truecolor" if os.environ.get("COLORTERM") in ("truecolor", "24bit") else "256"


def app_command(args: argparse.Namespace) -> int:
    from mosaic_tui.app.app import MosaicApp
    from mosaic_tui.app.demo import demo_operators
    from mosaic_tui.experiments import ExperimentError, load, new_session_id

    operators, seed = demo_operators(), 0
    if args.file is not None:
        try:
            spec = load(args.file)
        except ExperimentError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        operators, seed = list(spec.operators), spec.seeds[0]
    if args.seed is not None:
        seed = args.seed

    store = recorder = None
    if not args.no_record:
        try:
            store = TelemetryStore.open(args.db or default_db_path())
        except TelemetryError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        import time

        session_id = new_session_id()
        store.begin_session(SessionRow(session_id, time.time(), "app", {}))
        recorder = Recorder(store, session_id)
    app = MosaicApp(
        operators,
        seed=seed,
        pace=args.pace,
        autorun=not args.paused,
        log_dir=default_log_dir(),
        colors=color_mode(args.colors),
        recorder=recorder,
    )
    try:
        app.run()
    finally:
        if store is not None:
            store.close()
    return 0
