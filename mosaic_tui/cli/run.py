"""`mosaic-tui run FILE`: a Rich progress bar per operator, then a summary table.

Ctrl-C, SIGTERM and SIGHUP stop the run the same polite way: every worker is asked to stop,
the episodes played so far are kept (the runs are marked `interrupted`), the summary of what
finished is printed and the command exits with 128 + the signal number (130 for Ctrl-C).
A second signal while stopping kills the workers at once.
"""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mosaic_tui.cli.text import safe
from mosaic_tui.experiments import ExperimentError, ExperimentResult, ExperimentSpec, load
from mosaic_tui.experiments.headless import SETTLE_WAIT, OperatorOutcome, run_experiment
from mosaic_tui.runtime import EpisodeEnded, RunnerEvent
from mosaic_tui.telemetry import TelemetryError, TelemetryStore, default_db_path, default_log_dir
from mosaic_tui.telemetry.paths import STATE_DIR_ENV, unusable_dir
from mosaic_tui.telemetry.recorder import DEFAULT_LOCK_LIMIT

console = Console(stderr=False)
errors = Console(stderr=True)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def run_command(
    path: Path,
    *,
    db: Path | None,
    log_dir: Path | None,
    stream: bool = True,
    db_wait: float = DEFAULT_LOCK_LIMIT,
    resume: str | None = None,
    backend: str = "local",
    address: str | None = None,
) -> int:
    if not db_wait >= 0:
        errors.print(f"[red]error:[/] --db-wait must be >= 0 seconds, got {db_wait:g}")
        return 2
    try:
        spec = load(path)
    except ExperimentError as exc:
        errors.print(f"[red]error:[/] {safe(exc)}", highlight=False, soft_wrap=True)
        return 2
    if address is not None and backend != "ray":
        errors.print("[red]error:[/] --address is for --backend ray (a Ray cluster's address)")
        return 2
    return execute(spec, db=db, log_dir=log_dir, stream=stream, db_wait=db_wait, resume=resume,
                   backend=backend, address=address)  # fmt: skip


def needs_the_app(spec: ExperimentSpec) -> str | None:
    """Why `spec` cannot run headless (an operator with a human player: a human plays at
    the app's keyboard), or None."""
    for config in spec.operators:
        humans = config.get_human_agents()
        if humans:
            file = spec.source or "FILE"
            return (
                f"operator {config.operator_id!r} has a human player ({', '.join(humans)}),"
                f" who needs the app's keyboard; play this file with `mosaic-tui app {file}`"
            )
    return None


def execute(
    spec: ExperimentSpec,
    *,
    db: Path | None,
    log_dir: Path | None,
    stream: bool = True,
    db_wait: float = DEFAULT_LOCK_LIMIT,
    resume: str | None = None,
    on_session: Callable[[str], None] | None = None,
    backend: str = "local",
    address: str | None = None,
) -> int:
    """Run `spec`, show its progress and summary; `on_session` is told the session's id.
    `backend="ray"` plays its episodes as Ray tasks (on the cluster at `address`, or a local
    Ray started for the run)."""
    refusal = needs_the_app(spec)
    if refusal is not None:  # before anything starts or is recorded
        errors.print(f"[red]error:[/] {safe(refusal)}", highlight=False, soft_wrap=True)
        return 2
    play: Callable[..., Any] = run_experiment
    if backend == "ray":
        from mosaic_tui.experiments import ray_backend

        try:
            ray_backend.check(spec)
        except ray_backend.RayBackendError as exc:
            errors.print(f"[red]error:[/] {safe(exc)}", highlight=False, soft_wrap=True)
            return 2
        play = functools.partial(ray_backend.run_experiment_on_ray, address=address)
    db = db or default_db_path()
    why = unusable_dir(log_dir or default_log_dir())
    if why is not None:  # before a session is recorded: nothing has started
        errors.print(
            f"[red]error:[/] {safe(_log_dir_problem(log_dir, why))}",
            highlight=False,
            soft_wrap=True,
        )
        return 2
    log_dir = log_dir or default_log_dir()
    try:
        store = TelemetryStore.open(db)
    except TelemetryError as exc:
        errors.print(f"[red]error:[/] {safe(exc)}", highlight=False, soft_wrap=True)
        return 2
    caught: list[int] = []
    with (
        store,
        Progress(
            TextColumn("{task.description:<16}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[note]}"),
            console=console,
            transient=False,
        ) as progress,
    ):
        tasks: dict[str, Any] = {}

        def started(outcome: OperatorOutcome) -> None:
            tasks[outcome.run_id] = progress.add_task(
                safe(outcome.config.operator_id),
                total=spec.episodes,
                completed=outcome.episodes,  # a resumed run's recorded ones
                note="",
            )

        def on_event(event: RunnerEvent) -> None:
            if isinstance(event, EpisodeEnded) and event.run_id in tasks:
                progress.advance(tasks[event.run_id])

        async def main() -> ExperimentResult:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()

            def on_signal(signum: int) -> None:
                if caught:  # a second signal: stop waiting for anyone
                    _kill_workers_and_exit(128 + caught[0], store, list(tasks))
                caught.append(signum)
                stop.set()

            for sig in STOP_SIGNALS:
                loop.add_signal_handler(sig, on_signal, sig)
            try:
                return await play(
                    spec,
                    store,
                    log_dir=log_dir,
                    listener=on_event,
                    stream=stream,
                    on_start=started,
                    stop=stop,
                    lock_limit=db_wait,
                    resume=resume,
                )
            finally:
                for sig in STOP_SIGNALS:
                    loop.remove_signal_handler(sig)

        previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
        try:
            result = asyncio.run(main())
        except TelemetryError as exc:
            progress.stop()
            errors.print(f"[red]error:[/] {safe(exc)}", highlight=False, soft_wrap=True)
            return 2
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        for outcome in result.outcomes:
            if outcome.run_id in tasks and outcome.status != "finished":
                note = "[red]failed[/]" if outcome.status == "error" else "[yellow]interrupted[/]"
                progress.update(tasks[outcome.run_id], note=note)
    if on_session is not None:
        on_session(result.session_id)
    print_summary(result)
    for outcome in result.outcomes:  # LLM players: how often they answered, and at what cost
        for agent, d in (outcome.decisions or {}).items():
            many = "" if d.decisions == 1 else "s"
            console.print(
                f"{safe(outcome.config.operator_id)} · {safe(agent)}: {d.decisions} decision{many},"
                f" first reply not an answer {d.invalid} ({d.invalid_rate:.0%}),"
                f" fallbacks {d.fallbacks}, {d.mean_latency_ms:,.0f} ms mean, {d.tokens:,} tokens",
                highlight=False,
                soft_wrap=True,
            )
    if spec.tournament is not None:  # who beat whom, and the ratings
        from mosaic_tui.render.report import standings_tables
        from mosaic_tui.telemetry.standings import standings

        with TelemetryStore.open(db) as reader:
            found = standings(reader, result.session_id, spec.tournament)
        console.print(standings_tables(found))
    for outcome in result.failed:
        errors.print(
            f"[red]{safe(outcome.config.operator_id)} failed:[/] {safe(outcome.error)}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        f"results: {safe(db)} (session {safe(result.session_id)})", highlight=False, soft_wrap=True
    )
    if result.unrecorded:
        errors.print(
            f"[red]warning:[/] {result.unrecorded} writes were still waiting for the locked"
            f" database {safe(db)} when the run was interrupted; they are not recorded",
            highlight=False,
            soft_wrap=True,
        )
    for run_id, why in result.unended.items():
        errors.print(
            f"[red]warning:[/] the final status of run {safe(run_id)} could not be written to"
            f" {safe(db)} ({safe(why)}): it stays `running` there (`mosaic-tui sessions`"
            " shows it stale once this command ends); the episodes recorded are kept",
            highlight=False,
            soft_wrap=True,
        )
    if caught:
        name = signal.Signals(caught[0]).name
        errors.print(
            f"interrupted by {name}: workers stopped, the episodes played so far are recorded"
            " (runs marked interrupted)",
            highlight=False,
            soft_wrap=True,
        )
        return 128 + caught[0]
    return 1 if result.failed else 0


def _log_dir_problem(given: Path | None, why: str) -> str:
    """Why the workers' log folder is unusable, and how to choose another."""
    if given is not None:
        return f"{why}: the worker logs go there (--log-dir); choose another with --log-dir"
    return (
        f"{why}: the worker logs go to {default_log_dir()}; set {STATE_DIR_ENV} to a folder"
        " you can write (the logs go in its logs/), or choose one with --log-dir"
    )


def _kill_workers_and_exit(code: int, store: TelemetryStore, run_ids: list[str]) -> None:
    """The impatient path (a second Ctrl-C): no more waiting for polite stops. The runs
    still `running` are marked `interrupted` first (a short, bounded wait for the lock), so
    `sessions` does not show them running."""
    from mosaic_tui.runtime import process

    process._kill_leftovers()  # noqa: SLF001 - the same hook that runs at exit
    ray_backend = sys.modules.get("mosaic_tui.experiments.ray_backend")
    if ray_backend is not None:  # --backend ray: its local Ray too (a Ray run's workers)
        ray_backend.shutdown_now()
    errors.print("stopped at once; the episode in progress is lost", highlight=False)
    try:
        with store.busy_timeout(SETTLE_WAIT):
            store.end_running({run_id: ("interrupted", None) for run_id in run_ids})
    except (sqlite3.Error, TelemetryError) as exc:
        errors.print(
            f"[red]warning:[/] the runs could not be marked interrupted in {safe(store.path)}"
            f" ({safe(exc)}); they show as running",
            highlight=False,
            soft_wrap=True,
        )
    sys.stderr.flush()
    os._exit(code)


def print_summary(result: ExperimentResult) -> None:
    """The summary table; into a pipe or a file (no terminal, no COLUMNS set) with every
    column at the width it needs, not cut to Rich's default of 80."""
    if console.is_terminal or os.environ.get("COLUMNS"):
        console.print(summary_table(result))
        return
    table = summary_table(result, width=WIDE)
    room = console.options.update_width(10_000)  # as wide as the table wants
    before = console.width  # print(width=) is capped at the console's own width
    console.width = max(before, console.measure(table, options=room).maximum)
    try:
        console.print(table)
    finally:
        console.width = before


#: From this width on the summary has every column.
WIDE = 100


def summary_table(result: ExperimentResult, width: int | None = None) -> Table:
    """One row per operator. Its id, its numbers and its status are never cut; the
    per-player returns wrap in the room left. Below 100 columns the length and steps/s are
    left out (`mosaic-tui report` has them)."""
    wide = (console.width if width is None else width) >= WIDE
    table = Table(box=None, header_style="bold")
    longest = max((len(o.config.operator_id) for o in result.outcomes), default=8)
    table.add_column("operator", no_wrap=True, min_width=longest)
    numbers = ("episodes", "return (95% CI)", "success", "length", "steps/s")
    for name in numbers if wide else numbers[:3]:
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("per player", overflow="fold")
    table.add_column("status", no_wrap=True, min_width=len("interrupted"))
    for o in result.outcomes:
        s = o.summary
        status = _STATUS.get(o.status, safe(o.status))
        if s is None or s.episodes == 0:
            table.add_row(safe(o.config.operator_id), "0", "-", "-",
                          *(("-", "-") if wide else ()), "", status)  # fmt: skip
            continue
        success = "-" if s.success_rate is None else f"{s.success_rate:.2f}"
        speed = (f"{s.mean_length:.1f}", f"{o.steps_per_second:,.0f}") if wide else ()
        table.add_row(
            safe(o.config.operator_id),
            str(s.episodes),
            f"{s.mean_return:.2f} ± {s.ci95:.2f}",
            success,
            *speed,
            "  ".join(f"{safe(a)} {r:+.2f}" for a, r in (s.player_returns or {}).items()),
            status,
        )
    return table


_STATUS = {
    "finished": "finished",
    "interrupted": "[yellow]interrupted[/]",
    "error": "[red]failed[/]",
}


def demo_command() -> int:
    """Until the app lands, the demo runs the built-in baselines headless."""
    from mosaic_tui.experiments import parse

    spec = parse(DEMO, source="built-in demo")
    console.print("[bold]mosaic-tui demo[/]: two baselines on MiniGrid, three seeds")
    return execute(spec, db=None, log_dir=None)


DEMO = {
    "name": "demo",
    "execution": {"episodes": 3, "seeds": [1, 2, 3], "max_steps": 100},
    "operators": [
        {
            "id": "random_empty",
            "name": "Random on Empty 8x8",
            "env_name": "minigrid",
            "task": "MiniGrid-Empty-8x8-v0",
            "workers": {"agent": {"type": "baseline", "behavior": "random"}},
        },
        {
            "id": "cycling_doorkey",
            "name": "Cycling on DoorKey 5x5",
            "env_name": "minigrid",
            "task": "MiniGrid-DoorKey-5x5-v0",
            "workers": {"agent": {"type": "baseline", "behavior": "cycling"}},
        },
    ],
}
