"""`mosaic-tui doctor HOST [--family NAME]`: can workers run on HOST, and what to install there
if not. Exit 0 when they can (and every family asked for is installed), 1 when something is
missing, 2 when the host cannot be reached."""

from __future__ import annotations

import asyncio
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from rich.console import Console

from mosaic_tui.cli.text import safe
from mosaic_tui.core.hosts import HostError, check_host
from mosaic_tui.protocol import PROTOCOL_VERSION
from mosaic_tui.runtime import remote
from mosaic_tui.runtime.host_check import HostUnreachable, probe, round_trip

out = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)
OK, MISSING = "[green]ok[/]", "[red]missing[/]"


def doctor_command(name: str, families: list[str] | None = None) -> int:
    from mosaic_tui.envs import FAMILIES

    unknown = [f for f in families or [] if f not in FAMILIES]
    if unknown:  # told before any ssh: a family unknown here cannot be used there either
        errors.print(f"error: unknown family {safe(', '.join(unknown))} for --family;"
                     f" known: {', '.join(FAMILIES)}")  # fmt: skip
        return 2
    try:
        if not check_host(name):
            errors.print("error: doctor checks another host; this machine: mosaic-tui smoke")
            return 2
        host = remote.host(name)
        report = asyncio.run(probe(name))
    except (HostError, HostUnreachable) as exc:
        errors.print(f"error: {safe(without_doctor(str(exc), name))}")
        return 1 if getattr(exc, "reached", False) else 2  # reached, but its python is not
    here = _version()
    out.print(f"[b]{safe(name)}[/] ({safe(report.hostname)}), reached in"
              f" {report.connect_ms:.0f} ms with {safe(host.ssh)}")  # fmt: skip
    out.print(f"  python {safe(report.python)} at {safe(report.executable)}")
    missing: list[str] = []
    pip = f"{report.executable} -m pip install"  # the host's own interpreter's pip
    if report.mosaic_tui is None:
        missing.append(f"mosaic-tui: {pip} 'mosaic-tui=={here}' (from a checkout of it:"
                       f" {pip} -e PATH)")  # fmt: skip
        out.print(f"  mosaic-tui {MISSING}")
    else:
        same = report.mosaic_tui == here
        note = "same as here" if same else f"[yellow]here {safe(here)}[/]"
        out.print(f"  mosaic-tui {safe(report.mosaic_tui)} ({note}),"
                  f" protocol {report.protocol} (here {PROTOCOL_VERSION})")  # fmt: skip
        if report.protocol != PROTOCOL_VERSION:
            missing.append(f"the same protocol: {pip} 'mosaic-tui=={here}'")
    if report.problem and report.mosaic_tui is not None:  # without it, "missing" says it all
        out.print(f"  [yellow]{safe(report.problem)}[/]")
    workers = ", ".join(f"{w} {OK if ok else MISSING}" for w, ok in report.workers.items())
    out.print(f"  workers: {workers}")
    if not all(report.workers.values()) and report.mosaic_tui is not None:
        missing.append(f"the workers: {pip} --force-reinstall 'mosaic-tui=={here}'")
    for family in families or []:
        if report.mosaic_tui is None:
            missing.append(f"family {family}: after mosaic-tui, `mosaic-tui doctor {name}"
                           f" --family {family}` says what it needs")  # fmt: skip
        elif family not in report.families:
            known = ", ".join(report.families) or "none"
            missing.append(f"family {family}: {name} knows no such family (it has: {known})")
        elif not report.families[family][0]:
            missing.append(f"family {family}: {on_host(report.families[family][1], pip)}")
    if report.families:
        listed = ", ".join(
            f"{safe(f)} {OK if ok else '[dim]not installed[/]'}"
            for f, (ok, _) in report.families.items()
        )
        out.print(f"  families: {listed}")
    if report.workers.get("env_worker"):
        failed, ms = asyncio.run(round_trip(name))
        if failed is None:
            out.print(f"  env worker started and reset there in {ms:.0f} ms: {OK}")
        else:
            out.print(f"  env worker round trip: [red]{safe(failed)}[/]")
            missing.append("a working env worker (see its error above)")
    if missing:
        out.print(f"[red]{safe(name)} is not ready:[/]")
        for item in missing:
            out.print(f"  - {safe(item)}")
        return 1
    out.print(f"[green]{safe(name)} is ready[/] to run workers (host = {safe(name)!r})")
    return 0


def doctor_file_command(path: Path, only: str | None, families: list[str] | None) -> int:
    """Every host an experiment file names, checked as the file reaches it (its own [hosts]
    settings win over hosts.toml) for the families its operators there need; the worst exit
    of them all (2 unreachable, 1 something missing, 0 ready)."""
    from mosaic_tui.experiments import ExperimentError, load

    try:
        spec = load(path)
    except ExperimentError as exc:
        errors.print(f"error: {safe(exc)}")
        return 2
    remote.use_hosts(spec.hosts)
    needs: dict[str, set[str]] = {}  # host -> the families its env workers there build
    for config in spec.operators:
        if config.host:
            needs.setdefault(config.host, set()).add(config.env_name)
        for assignment in config.workers.values():
            where = config.host if assignment.host is None else assignment.host
            if where and assignment.worker_type != "human":
                needs.setdefault(where, set())  # a decision worker: mosaic-tui, no env
    if only is not None:
        needs = {only: needs.get(only, set())}
    if not needs:
        errors.print(f"error: {safe(path)} names no host: every worker runs here"
                     " (mosaic-tui smoke checks this machine)")  # fmt: skip
        return 2
    worst = 0
    for host, wanted in needs.items():
        worst = max(worst, doctor_command(host, sorted(wanted | set(families or []))))
    return worst


def on_host(hint: str, pip: str) -> str:
    """A family's install hint (`pip install 'mosaic-tui[x]'`) as a command for the host's
    own interpreter."""
    return hint.replace("pip install", pip, 1) if hint.startswith("pip install") else hint


def without_doctor(text: str, name: str) -> str:
    """An ssh failure's advice (runtime/remote.exit_text) without its "run `mosaic-tui
    doctor HOST`", which is the command that just said it."""
    doctor = f"`mosaic-tui doctor {name}`"
    for clause, instead in ((f", and {doctor}", ""), (f"; {doctor} checks it)", ")")):
        text = text.replace(clause, instead)
    return text


def _version() -> str:
    try:
        return version("mosaic-tui")
    except PackageNotFoundError:
        return "unknown"
