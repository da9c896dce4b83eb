"""`mosaic-tui run FILE`: a Rich progress bar per operator, then a summary table."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mosaic_tui.experiments import ExperimentError, ExperimentResult, ExperimentSpec, load
from mosaic_tui.experiments.headless import OperatorOutcome, run_experiment
from mosaic_tui.runtime import EpisodeEnded, RunnerEvent
from mosaic_tui.telemetry import TelemetryError, TelemetryStore, default_db_path, default_log_dir

console = Console(stderr=False)
errors = Console(stderr=True)


def run_command(path: Path, *, db: Path | None, log_dir: Path | None, stream: bool = True) -> int:
    try:
        spec = load(path)
    except ExperimentError as exc:
        errors.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    return execute(spec, db=db, log_dir=log_dir, stream=stream)


def execute(
    spec: ExperimentSpec, *, db: Path | None, log_dir: Path | None, stream: bool = True
) -> int:
    db = db or default_db_path()
    log_dir = log_dir or default_log_dir()
    try:
        store = TelemetryStore.open(db)
    except TelemetryError as exc:
        errors.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
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
        tasks: dict[str, int] = {}

        def started(outcome: OperatorOutcome) -> None:
            tasks[outcome.run_id] = progress.add_task(
                outcome.config.operator_id, total=spec.episodes, note=""
            )

        def on_event(event: RunnerEvent) -> None:
            if isinstance(event, EpisodeEnded) and event.run_id in tasks:
                progress.advance(tasks[event.run_id])

        result = asyncio.run(
            run_experiment(
                spec, store, log_dir=log_dir, listener=on_event, stream=stream, on_start=started
            )
        )
        for outcome in result.failed:
            if outcome.run_id in tasks:
                progress.update(tasks[outcome.run_id], note="[red]failed[/]")
    console.print(summary_table(result))
    for outcome in result.failed:
        errors.print(
            f"[red]{outcome.config.operator_id} failed:[/] {outcome.error}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(f"results: {db} (session {result.session_id})", highlight=False, soft_wrap=True)
    return 1 if result.failed else 0


def summary_table(result: ExperimentResult) -> Table:
    table = Table(box=None, header_style="bold")
    for name, justify in (
        ("operator", "left"),
        ("episodes", "right"),
        ("return (95% CI)", "right"),
        ("success", "right"),
        ("length", "right"),
        ("steps/s", "right"),
        ("per player", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for o in result.outcomes:
        s = o.summary
        if s is None or s.episodes == 0:
            table.add_row(
                o.config.operator_id, "0", "-", "-", "-", "[red]failed[/]" if o.error else "-", ""
            )
            continue
        success = "-" if s.success_rate is None else f"{s.success_rate:.2f}"
        table.add_row(
            o.config.operator_id,
            str(s.episodes),
            f"{s.mean_return:.2f} ± {s.ci95:.2f}",
            success,
            f"{s.mean_length:.1f}",
            f"{o.steps_per_second:,.0f}",
            "  ".join(f"{a} {r:+.2f}" for a, r in (s.player_returns or {}).items()),
        )
    return table


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
