"""`mosaic-tui check-worker -- CMD ...`: the protocol's conformance checks on any worker.

A worker author's first test: it tells, check by check, what the worker does against
docs/protocol.md and what to fix. Exit 0 when every check passes, 1 otherwise, 2 for a bad
command line.
"""

from __future__ import annotations

import argparse
import math
import shlex

# Kept here, not imported, so `mosaic-tui --help` does not load the protocol (numpy); a test
# checks they match mosaic_tui.runtime.conformance.
ROLES = ("env", "decision")
DEFAULT_ENV_ID = "FrozenLake-v1"
START_TIMEOUT = 60.0
REPLY_TIMEOUT = 30.0
COLOURS = {"pass": "green", "fail": "red", "skip": "yellow"}


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "check-worker",
        help="run the protocol conformance checks on a worker command (docs/protocol.md)",
        description="Start the worker command (several times) and check it against the"
        " protocol: init, req echo, malformed lines answered and served past, ping, stop,"
        " stdin EOF, seeded reproducibility, nothing but protocol lines on stdout."
        " `--run-id conformance` is added unless the command has --run-id.",
    )
    p.add_argument(
        "--role",
        choices=ROLES,
        default=None,
        help="env or decision (default: detected: init_agent -> agent_ready is a decision"
        " worker, reset -> ready an env worker)",
    )
    p.add_argument(
        "--env-id",
        default=DEFAULT_ENV_ID,
        help=f"task an env worker is started with, unless the command has --env-id"
        f" (default {DEFAULT_ENV_ID})",
    )
    p.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="CHECK",
        help="leave this check out (repeatable), e.g. --skip reproducible for a worker that"
        " is random by design",
    )
    p.add_argument(
        "--no-run-id", action="store_true", help="run the command as given, without --run-id"
    )
    p.add_argument(
        "--timeout",
        type=seconds,
        default=REPLY_TIMEOUT,
        metavar="SECONDS",
        help=f"longest wait for an answer (default {REPLY_TIMEOUT:g})",
    )
    p.add_argument(
        "--start-timeout",
        type=seconds,
        default=START_TIMEOUT,
        metavar="SECONDS",
        help=f"longest wait for the init event (default {START_TIMEOUT:g})",
    )
    p.add_argument(
        "worker_command",
        nargs=argparse.REMAINDER,
        metavar="-- CMD ...",
        help="the worker command, after --, e.g. -- python -m baseline_worker",
    )
    return p


def seconds(text: str) -> float:
    """A wait in seconds: finite and above 0 (0 or less would fail every check at once)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0")
    return value


def with_interpreter(argv: list[str]) -> list[str]:
    """argv as a command worker would run it: a bare `python` (or `python3`) is the
    interpreter mosaic-tui runs on (runtime/command_line.expand's rule, applied by expand
    itself: each word is quoted, and its braces doubled so they stay literal)."""
    from mosaic_tui.runtime.command_line import expand

    literal = [word.replace("{", "{{").replace("}", "}}") for word in argv]
    return expand(shlex.join(literal), {})


def check_worker_command(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from mosaic_tui.cli.text import safe
    from mosaic_tui.runtime.conformance import (
        CHECK_NAMES,
        FAIL,
        CheckFailed,
        CheckResult,
        CheckTimeouts,
        prepare,
        run_checks,
    )

    console = Console(highlight=False)
    unknown = [name for name in args.skip if name not in CHECK_NAMES]
    if unknown:
        console.print(
            f"[red]error:[/] unknown check {safe(', '.join(unknown))} for --skip;"
            f" the checks are: {safe(', '.join(CHECK_NAMES))}"
        )
        return 2
    argv = list(args.worker_command)
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        console.print(
            "[red]error:[/] no worker command; put it after --, e.g."
            " mosaic-tui check-worker -- python -m baseline_worker"
        )
        return 2
    argv = with_interpreter(argv)
    timeouts = CheckTimeouts(start=args.start_timeout, reply=args.timeout)
    try:
        role, command = prepare(
            argv,
            role=args.role,
            env_id=args.env_id,
            timeouts=timeouts,
            add_run_id=not args.no_run_id,
        )
    except CheckFailed as exc:
        results = [CheckResult("role-detection", FAIL, str(exc))]
        role, command = "unknown", argv
    else:
        article = "an" if role == "env" else "a"
        console.print(f"checking {safe(shlex.join(command))} as {article} {role} worker ...")
        results = list(run_checks(command, role, timeouts=timeouts, skip=tuple(args.skip)))
    table = Table(box=None, header_style="bold")
    table.add_column("check")
    table.add_column("result")
    table.add_column("detail", overflow="fold")
    for r in results:
        colour = COLOURS.get(r.status, "yellow")
        table.add_row(safe(r.name), f"[{colour}]{r.status}[/]", safe(r.message))
    console.print(table)
    failed = [r for r in results if not r.passed]
    if failed:
        console.print(
            f"[red]{len(failed)} of {len(results)} checks failed[/]; see docs/protocol.md"
            " (section 10) for what each check expects"
        )
        return 1
    skipped = sum(r.status == "skip" for r in results)
    note = f", {skipped} skipped" if skipped else ""
    console.print(f"[green]every check passed[/] ({role} worker{note})")
    return 0
