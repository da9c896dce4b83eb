"""The command line's shape: every command, its options and how each value is checked, kept
apart from `main`, which runs them (building the parser imports nothing heavy: --help stays
fast)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from mosaic_tui import __version__

DB_WAIT = 30.0  # telemetry.recorder.DEFAULT_LOCK_LIMIT (not imported: --help stays fast)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mosaic-tui",
        description="Run RL environments with interchangeable decision-makers (human, RL, LLM,"
        " baseline) from the terminal. With no command, starts the app on a built-in demo.",
    )
    p.add_argument("--version", action="version", version=f"mosaic-tui {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run an experiment file headless, recording to SQLite")
    run.add_argument("file", type=Path, help="experiment TOML file (see examples/)")
    run.add_argument(
        "--db", type=Path, default=None, help="SQLite file for results (default: the user data dir)"
    )
    run.add_argument(
        "--log-dir",
        type=Path,
        default=None,
        help="where worker logs go (default: the user state dir)",
    )
    run.add_argument(
        "--resume",
        default=None,
        metavar="SESSION",
        help="continue an interrupted session of this same file: only the episodes it lacks",
    )
    run.add_argument(
        "--no-stream",
        action="store_true",
        help="one request per step even when the worker could stream episodes",
    )
    run.add_argument(
        "--db-wait",
        type=float,
        default=DB_WAIT,
        metavar="SECONDS",
        help="how long to wait for another program's lock on the database before the run"
        f" stops with an error (default {DB_WAIT:g})",
    )

    run.add_argument(
        "--backend",
        choices=("local", "ray"),
        default="local",
        help="where episodes are played: here (local), or as Ray tasks (ray; the ray extra)",
    )
    run.add_argument(
        "--address",
        default=None,
        help="with --backend ray: the Ray cluster to join (default: a local Ray for the run)",
    )

    smoke = sub.add_parser(
        "smoke", help="run each installed family for a few steps; non-zero on failure"
    )
    smoke.add_argument(
        "--steps", type=positive_int, default=5, help="steps per family (1 or more; default 5)"
    )
    smoke.add_argument(
        "--family", action="append", default=None, help="check only this family (repeatable)"
    )

    doctor = sub.add_parser(
        "doctor", help="check that workers can run on another host over ssh; what to install"
    )
    doctor.add_argument(
        "host", nargs="?", help="an ssh destination: user@box, box, or an ssh config alias"
    )
    doctor.add_argument(
        "--family", action="append", default=None, help="require this family there (repeatable)"
    )
    doctor.add_argument(
        "--file",
        type=Path,
        default=None,
        help="check every host this experiment file names (or HOST only), with the file's own"
        " [hosts] settings and the families its operators there use",
    )

    envs = sub.add_parser("envs", help="list installed environment families and their tasks")
    envs.add_argument("family", nargs="?", help="list every task of this family")

    sub.add_parser("workers", help="list the worker catalogue and each worker's settings")

    app = sub.add_parser("app", help="the terminal app (the default command)")
    _app_options(app)

    sessions = sub.add_parser("sessions", help="list recorded sessions, newest first")
    sessions.add_argument(
        "--db", type=Path, default=None, help="SQLite file (default: user data dir)"
    )
    sessions.add_argument(
        "-n", "--limit", type=positive_int, default=20, help="how many (default 20)"
    )

    export = sub.add_parser("export", help="write recorded steps/episodes/runs as CSV or JSONL")
    export.add_argument(
        "session_id",
        nargs="?",
        default=None,
        metavar="SESSION",
        help="session id, from `mosaic-tui sessions` (default: the latest session)",
    )
    export.add_argument(
        "--db", type=Path, default=None, help="SQLite file (default: user data dir)"
    )
    export.add_argument("--session", default=None, help="session id (same as SESSION)")
    export.add_argument(
        "--latest-finished",
        action="store_true",
        help="the newest session with at least one recorded episode",
    )
    export.add_argument("--run", default=None, help="a single run id")
    export.add_argument("--table", choices=("steps", "episodes", "runs"), default="episodes")
    export.add_argument(
        "--format",
        choices=("csv", "jsonl", "minari"),
        default="csv",
        help="minari: replay the episodes into Minari datasets (minari extra)",
    )
    export.add_argument(
        "--operator",
        default=None,
        help="minari: only this operator (default: every single-agent one)",
    )
    export.add_argument(
        "--dataset-id",
        default=None,
        help="minari: the dataset's id (default mosaic/<task>-<operator>-v0)",
    )
    export.add_argument("-o", "--output", type=Path, default=None, help="file (default: stdout)")
    convert = sub.add_parser(
        "convert", help="write a MOSAIC experiment script (FILE.py) as an experiment TOML file"
    )
    convert.add_argument("file", type=Path, help="the script: parsed, never run")
    convert.add_argument(
        "-o", "--output", type=Path, default=None, help="TOML file to write (default: stdout)"
    )
    check = sub.add_parser(
        "check", help="run an experiment twice (or against a session): does every step match?"
    )
    check.add_argument("file", type=Path, help="experiment file (TOML or a MOSAIC script)")
    check.add_argument(
        "--against",
        default=None,
        metavar="SESSION",
        help="compare one new run with this recorded session",
    )
    check.add_argument(
        "--db",
        type=Path,
        default=None,
        help="SQLite file both runs are recorded in (default: the user data dir)",
    )
    check.add_argument(
        "--log-dir",
        type=Path,
        default=None,
        help="where worker logs go (default: the user state dir)",
    )
    gif = sub.add_parser("gif", help="replay a recorded episode from its seed into a GIF")
    gif.add_argument("session", metavar="SESSION", help="session id (`mosaic-tui sessions`)")
    gif.add_argument("operator", metavar="OPERATOR", help="the operator's id in that session")
    gif.add_argument("episode", type=int, metavar="EPISODE", help="episode index, from 0")
    gif.add_argument("-o", "--output", type=Path, required=True, help="the .gif to write")
    gif.add_argument(
        "--size",
        default=None,
        metavar="WxH",
        help="fit frames into this box (default: the env's own resolution)",
    )
    gif.add_argument("--fps", type=fps, default=8.0, help="frames a second, 1 to 50 (default 8)")
    gif.add_argument("--db", type=Path, default=None, help="SQLite file (default: user data dir)")
    report = sub.add_parser(
        "report", help="per operator and player: returns with 95%% intervals, paired differences"
    )
    report.add_argument(
        "session",
        nargs="?",
        default=None,
        metavar="SESSION",
        help="session id (default: the latest one with a recorded episode)",
    )
    report.add_argument(
        "--db", type=Path, default=None, help="SQLite file (default: the user data dir)"
    )
    report.add_argument("--format", choices=("table", "markdown", "csv", "json"), default="table")
    report.add_argument(
        "-o", "--output", type=Path, default=None, help="file to write (default: stdout)"
    )
    train = sub.add_parser(
        "train",
        help="train a policy the RL player loads, with stable-baselines3 (the rl extra)",
    )
    train.add_argument("task", help="a Gymnasium id with discrete actions, e.g. CartPole-v1")
    train.add_argument("--algo", choices=("ppo", "a2c", "dqn"), default="ppo")
    train.add_argument(
        "--steps", type=int, default=50_000, help="environment steps (default 50000)"
    )
    train.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="policy.zip (SB3), policy.npz (plays without PyTorch) or policy.onnx",
    )
    train.add_argument("--seed", type=int, default=0)
    train.add_argument(
        "--db",
        type=Path,
        default=None,
        help="SQLite file for the learning curve (default: the user data dir)",
    )
    llm = sub.add_parser(
        "llm",
        help="serve a small local model for LLM players: `mosaic-tui llm serve [--help]`",
        description="Serve a small local model for LLM players (an OpenAI-compatible server)."
        " `mosaic-tui llm serve --help` lists serve's own options.",
    )
    llm.add_argument("action", choices=("serve",), help="what to do: serve")
    llm.add_argument("rest", nargs=argparse.REMAINDER, help="options of `llm serve`")
    from mosaic_tui.cli.check_worker import add_parser as add_check_worker

    add_check_worker(sub)
    return p


def _app_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "file",
        nargs="?",
        type=Path,
        default=None,
        help="an experiment file whose operators to open (default: the demo)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        help="the session's shared seed (default: the file's first seed, or 0)",
    )
    p.add_argument(
        "--pace",
        type=pace,
        default=10.0,
        help="steps per second when running (a number > 0; default 10)",
    )
    p.add_argument("--paused", action="store_true", help="start paused instead of running")
    p.add_argument(
        "--colors",
        choices=("auto", "truecolor", "256"),
        default="auto",
        help="frame colours; auto picks 256 when the terminal lacks truecolor",
    )
    p.add_argument("--no-record", action="store_true", help="do not record to SQLite")
    p.add_argument("--db", type=Path, default=None, help="SQLite file for what the app records")


def pace(text: str) -> float:
    """--pace: a finite number of steps a second above 0 (0, negatives, nan and inf would
    be shown as a pace the app does not keep)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(
            f"{text!r}: give a number > 0 (steps a second, e.g. 10 or 0.5)"
        )
    return value


def fps(text: str) -> float:
    """`gif --fps`: 1 to 50 frames a second (GIF players do not keep a slower or faster
    pace; gif.MIN_FPS and MAX_FPS, not imported so that --help stays fast)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 1 <= value <= 50:
        raise argparse.ArgumentTypeError(f"{text!r}: give 1 to 50 frames a second")
    return value


def positive_int(text: str) -> int:
    """A count of 1 or more (`sessions -n`, `smoke --steps`)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number, 1 or more") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number, 1 or more")
    return value
