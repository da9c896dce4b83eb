"""`mosaic-tui smoke`: each installed family, a few steps through the real workers.

Exit status 0 only if every installed family worked; families that are not installed are
listed with the command that installs them and do not count as failures.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from mosaic_tui.cli.text import safe
from mosaic_tui.core import OperatorConfig, WorkerAssignment
from mosaic_tui.envs import FAMILIES, Family, agent_ids
from mosaic_tui.protocol import FrameRequest
from mosaic_tui.runtime import LaunchError, OperatorRunner, StepTaken, WorkerError


@dataclass
class SmokeResult:
    family: Family
    status: str  # "ok", "failed", "not installed"
    detail: str


async def check_family(fam: Family, steps: int, log_dir: Path) -> SmokeResult:
    if not fam.installed:
        return SmokeResult(fam, "not installed", fam.install_hint)
    try:
        agents = agent_ids(fam.smoke_task)
    except Exception as exc:
        return SmokeResult(fam, "failed", f"{fam.smoke_task}: {type(exc).__name__}: {exc}")
    config = (
        OperatorConfig.multi_agent(
            f"smoke_{fam.name}",
            f"smoke {fam.name}",
            fam.name,
            fam.smoke_task,
            {
                a: WorkerAssignment("baseline_worker", "baseline", {"behavior": "random"})
                for a in agents
            },
        )
        if len(agents) > 1
        else OperatorConfig.single_agent(
            f"smoke_{fam.name}",
            f"smoke {fam.name}",
            "baseline_worker",
            "baseline",
            env_name=fam.name,
            task=fam.smoke_task,
            settings={"behavior": "random"},
        )
    )
    # A separate decision worker, so both worker kinds and the frame path are exercised.
    runner = OperatorRunner(config, log_dir=log_dir, frame=FrameRequest(80, 48), self_drive=False)
    frames: list = []  # each step's picture: a frame, or a text board (OpenSpiel draws no pixels)
    runner.listeners.append(
        lambda e: frames.append(e.frame or e.board) if isinstance(e, StepTaken) else None
    )
    began = time.perf_counter()
    try:
        await runner.start()
        await runner.reset(0)
        for _ in range(steps):
            if runner.episode_over:
                await runner.reset(None)
            await runner.step()
        elapsed = time.perf_counter() - began
        frame = frames[-1] if frames else None
        if frame is None:
            return SmokeResult(fam, "failed", f"{fam.smoke_task}: no frame was rendered")
        shown = (
            f"a board of {len(frame)} lines"
            if isinstance(frame, list)
            else f"frame {frame.width}x{frame.height}"
        )
        return SmokeResult(
            fam,
            "ok",
            f"{fam.smoke_task}: {steps} steps, {shown}, {elapsed:.1f} s with start-up",
        )
    except (WorkerError, LaunchError) as exc:
        return SmokeResult(fam, "failed", f"{fam.smoke_task}: {exc}")
    finally:
        await runner.stop()


async def smoke(steps: int, families: list[str] | None) -> list[SmokeResult]:
    chosen = [FAMILIES[name] for name in families] if families else list(FAMILIES.values())
    with tempfile.TemporaryDirectory(prefix="mosaic-smoke-") as logs:
        return list(await asyncio.gather(*(check_family(f, steps, Path(logs)) for f in chosen)))


def smoke_command(steps: int = 5, families: list[str] | None = None) -> int:
    console = Console()
    unknown = [f for f in families or [] if f not in FAMILIES]
    if unknown:
        console.print(
            f"[red]error:[/] unknown family {safe(', '.join(unknown))};"
            f" known: {', '.join(FAMILIES)}",
            highlight=False,
        )
        return 2
    results = asyncio.run(smoke(max(1, steps), families))
    table = Table(box=None, header_style="bold")
    table.add_column("family")
    table.add_column("status")
    table.add_column("detail", overflow="fold")
    colour = {"ok": "green", "failed": "red", "not installed": "yellow"}
    for r in results:
        table.add_row(r.family.name, f"[{colour[r.status]}]{r.status}[/]", safe(r.detail))
    console.print(table)
    failed = [r for r in results if r.status == "failed"]
    return 1 if failed else 0
