"""`mosaic-tui`: the app with no command (and the app's options); `run`, `smoke`, `envs`,
`workers`, `sessions`, `export` headless; `check-worker` for worker authors."""

from __future__ import annotations

import signal
import sys

from mosaic_tui.cli.parser import parser

COMMANDS = (
    "run",
    "smoke",
    "doctor",
    "envs",
    "workers",
    "app",
    "sessions",
    "export",
    "check-worker",
    "convert",
    "train",
    "llm",
    "report",
    "check",
    "gif",
)


def with_command(argv: list[str]) -> list[str]:
    """No command means the app: `mosaic-tui --paused` is `mosaic-tui app --paused`."""
    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help", "--version")):
        return argv
    return ["app", *argv]


def main(argv: list[str] | None = None) -> int:
    argv = with_command(list(sys.argv[1:] if argv is None else argv))
    commands = parser()
    args = commands.parse_args(argv)
    # A closed SSH session sends SIGHUP: exit through Python so workers are stopped.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_interrupt)
    try:
        if args.command == "run":
            from mosaic_tui.cli.run import run_command

            return run_command(
                args.file,
                db=args.db,
                log_dir=args.log_dir,
                stream=not args.no_stream,
                db_wait=args.db_wait,
                resume=args.resume,
                backend=args.backend,
                address=args.address,
            )
        if args.command == "llm":  # a program of its own (llm_worker.serve), not imported
            import os

            argv = [sys.executable, "-m", "llm_worker.serve", *args.rest]
            os.execv(sys.executable, argv)
        if args.command == "gif":
            from mosaic_tui.cli.gif import gif_command, parse_size

            size = parse_size(args.size) if args.size else None
            if args.size and size is None:
                print(
                    f"error: --size {args.size!r}: give WIDTHxHEIGHT, e.g. 256x256", file=sys.stderr
                )
                return 2
            return gif_command(
                args.session,
                args.operator,
                args.episode,
                args.output,
                db=args.db,
                size=size,
                fps=args.fps,
            )
        if args.command == "check":
            from mosaic_tui.cli.check import check_command

            return check_command(args.file, args.db, args.against, args.log_dir)
        if args.command == "report":
            from mosaic_tui.cli.report import report_command

            return report_command(args.session, args.db, args.format, args.output)
        if args.command == "train":
            from mosaic_tui.cli.train import train_command

            return train_command(args.task, args.algo, args.steps, args.output, args.seed, args.db)
        if args.command == "convert":
            from mosaic_tui.cli.convert import convert_command

            return convert_command(args.file, args.output)
        if args.command == "sessions":
            from mosaic_tui.cli.sessions import sessions_command

            return sessions_command(args)
        if args.command == "smoke":
            from mosaic_tui.cli.smoke import smoke_command

            return smoke_command(steps=args.steps, families=args.family)
        if args.command == "doctor":
            from mosaic_tui.cli.doctor import doctor_command, doctor_file_command

            if args.file is not None:
                return doctor_file_command(args.file, args.host, args.family)
            if args.host is None:
                commands.error("doctor needs a HOST, or --file FILE (the hosts a file names)")
            return doctor_command(args.host, args.family)
        if args.command == "envs":
            from mosaic_tui.cli.listing import envs_command

            return envs_command(args.family)
        if args.command == "workers":
            from mosaic_tui.cli.listing import workers_command

            return workers_command()
        if args.command == "check-worker":
            from mosaic_tui.cli.check_worker import check_worker_command

            return check_worker_command(args)
        if args.command == "export":
            from mosaic_tui.cli.export import export_command

            return export_command(args)
        from mosaic_tui.cli.app import app_command

        return app_command(args)
    except KeyboardInterrupt:
        print("interrupted; workers stopped, recorded episodes kept", file=sys.stderr)
        return 128 + (_signals[-1] if _signals else signal.SIGINT)
    except BrokenPipeError:  # `mosaic-tui export | head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


_signals: list[int] = []


def _raise_interrupt(signum: int, frame: object) -> None:
    _signals.append(signum)
    raise KeyboardInterrupt
