"""`mosaic-tui` / `mosaic-tui app`: the terminal app on the built-in demo."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

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


def terminal_problem() -> str | None:
    """Why the app cannot draw here, or None. Textual draws on stderr; when stderr is
    redirected (`mosaic-tui 2>log`) the app draws on the controlling terminal instead."""
    if sys.stderr is not None and sys.stderr.isatty():
        return None
    from mosaic_tui.app.driver import terminal_output

    out = terminal_output()
    if out is None:
        return (
            "error: mosaic-tui needs a terminal to draw on, and neither stderr nor /dev/tty is"
            " one here; run it in a terminal (`mosaic-tui run FILE` works without one)"
        )
    out.close()
    return None


def app_command(args: argparse.Namespace) -> int:
    from mosaic_tui.app.app import MosaicApp
    from mosaic_tui.app.demo import demo_operators
    from mosaic_tui.experiments import ExperimentError, load, new_session_id
    from mosaic_tui.experiments.provenance import versions
    from mosaic_tui.runtime import template
    from mosaic_tui.runtime.remote import use_hosts

    operators, seed, autorun, fixed = demo_operators(), 0, not args.paused, False
    plan: Sequence[int] | None = None  # the file's seeds: played, then the app pauses
    about: dict[str, object] = {"experiment": "demo"}
    if args.file is not None:
        try:
            spec = load(args.file)
        except ExperimentError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        operators, seed = list(spec.operators), spec.seeds[0]
        plan = spec.seeds if spec.planned else None
        use_hosts(spec.hosts)  # how to reach the file's hosts, for the whole app session
        autorun = autorun and spec.auto_run is not False  # auto_run = false: start paused
        fixed = getattr(spec.seeds, "step", 1) == 0  # environment_mode = "fixed"
        about = {"experiment": spec.name, "source": spec.source, "file_sha256": spec.digest}
    if args.seed is not None:
        seed = args.seed
        plan = None if plan is None else range(seed, seed + len(plan))  # as many, from it

    problem = terminal_problem()
    if problem is not None:
        print(problem)  # stdout: stderr is where the screen would have gone
        return 2

    store = recorder = None
    if not args.no_record:
        try:
            store = TelemetryStore.open(args.db or default_db_path())
        except TelemetryError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        import time

        session_id = new_session_id()
        about["versions"] = versions()  # how it was made (the seeds: each run's episodes)
        store.begin_session(SessionRow(session_id, time.time(), "app", about))
        recorder = Recorder(store, session_id)
    template.warm()  # workers are forked from it (runtime/template.py): started early
    app = MosaicApp(
        operators,
        seed=seed,
        pace=args.pace,
        autorun=autorun,
        fixed_seed=fixed,
        seeds=plan,
        log_dir=default_log_dir(),
        colors=color_mode(args.colors),
        recorder=recorder,
        results_db=args.db or default_db_path(),
    )
    try:
        app.run()
    finally:
        lost = _unrecorded(recorder)
        if store is not None:
            store.close()
    if lost:
        with contextlib.suppress(OSError, ValueError):  # stderr may be the dead terminal
            print(lost, file=sys.stderr)
    if app.ended_by is not None:
        # The terminal hung up (or SIGTERM): everything is stopped and recorded; skip the
        # interpreter's slow teardown (half a second on a loaded machine) and go now.
        from mosaic_tui.runtime import process

        process._kill_leftovers()
        with contextlib.suppress(OSError, ValueError):  # stdout may be the dead terminal
            sys.stdout.flush()
        os._exit(128 + app.ended_by)
    # Textual sets return_code 1 when the app died of an unhandled exception (its traceback
    # is printed): a wrapper or script must see that as a failure, not as a quit.
    crashed = app.return_code or 0
    return crashed or (1 if lost else 0)


def _unrecorded(recorder: Recorder | None) -> str | None:
    """What the app could not record, said out loud: nothing recorded is dropped quietly."""
    if recorder is None:
        return None
    if recorder.pending:  # a busy database at quit: one last short wait, then give up loudly
        recorder.lock_limit = min(recorder.lock_limit, 2.0)
        recorder.flush()
    lines = [f"error: {message}" for message in recorder.failures.values()]
    return "\n".join(lines) or None
