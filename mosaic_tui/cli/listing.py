"""`mosaic-tui envs` and `mosaic-tui workers`: what this machine can run."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mosaic_tui.cli.text import safe
from mosaic_tui.core import plugins
from mosaic_tui.envs import FAMILIES, EnvError, family, tasks
from mosaic_tui.runtime import CATALOG


def envs_command(family_name: str | None = None) -> int:
    console = Console()
    if family_name is not None:
        try:
            fam = family(family_name)
        except EnvError as exc:
            console.print(f"[red]error:[/] {safe(exc)}", highlight=False, soft_wrap=True)
            return 2
        if not fam.installed:
            console.print(
                escape(f"{fam.name} is not installed: {fam.install_hint}"),
                highlight=False,
                soft_wrap=True,
            )
            return 1
        for task in tasks(fam.name):
            console.print(safe(task), highlight=False, soft_wrap=True)
        return 0
    table = Table(box=None, header_style="bold")
    for col in ("family", "installed", "tasks", "examples"):
        table.add_column(col)
    for fam in FAMILIES.values():
        names = tasks(fam.name) if fam.installed else []
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        table.add_row(
            fam.name,
            "yes" if fam.installed else escape(f"no ({fam.install_hint})"),
            str(len(names)),
            shown,
        )
    console.print(table)
    console.print(
        "`mosaic-tui envs FAMILY` lists every task of a family.", highlight=False, soft_wrap=True
    )
    return 0


def workers_command() -> int:
    console = Console()

    def say(text: str) -> None:
        console.print(text, highlight=False, soft_wrap=True)

    for definition in CATALOG.values():
        say(
            f"[bold]{safe(definition.worker_id)}[/] ({safe(definition.role)})"
            f" — {safe(definition.description)}"
        )
        say(f"  from: {safe(definition.source or 'mosaic-tui (built in)')}")
        if definition.template:
            say(f"  run: {safe(definition.template)}  (the {safe(definition.dialect)} dialect)")
        elif definition.module:
            say(f"  run: python -m {safe(definition.module)} --help")
        else:
            say(
                safe(
                    "  run: command = '...' in a player or [operators.env] table; placeholders"
                    " {run_id} {env_name} {task} {seed} {player_id} {telemetry_dir}"
                )
            )
        for spec in definition.settings:
            choices = f" [{', '.join(map(str, spec.choices))}]" if spec.choices else ""
            say(f"  {safe(spec.name)}{safe(choices)}  {safe(spec.help)}")
    for problem in plugins.broken():
        say(f"[yellow]warning:[/] {safe(str(problem))}")
    return 0
