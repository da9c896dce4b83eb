"""`mosaic-tui report [SESSION]`: which decision-maker did better, by how much, how surely.

Written as a table (the terminal), Markdown (a lab notebook, an issue), CSV (a spreadsheet,
one row per operator, player and paired difference) or JSON (everything, per-episode returns
included). The numbers come from telemetry/report.py.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from mosaic_tui.cli.text import safe
from mosaic_tui.telemetry import TelemetryError, TelemetryStore, default_db_path
from mosaic_tui.telemetry.report import Interval, SessionReport, build_report

FORMATS = ("table", "markdown", "csv", "json")


def report_command(
    session: str | None, db: Path | None, fmt: str, output: Path | None
) -> int:
    errors = Console(stderr=True, soft_wrap=True, highlight=False)
    path = db or default_db_path()
    if not path.exists():
        errors.print(f"error: no results database at {safe(path)}; run an experiment first or"
                     " pass --db")
        return 2
    try:
        with TelemetryStore.open(path) as store:
            session = session or store.latest_finished_session_id()
            if session is None:
                errors.print(f"error: no session in {safe(path)} has a recorded episode yet")
                return 2
            report = build_report(store, session)
    except TelemetryError as exc:
        errors.print(f"error: {safe(exc)}")
        return 2
    text = render(report, fmt, width=None if output else Console().width)
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        errors.print(f"error: cannot write {safe(output)}: {exc.strerror or exc}")
        return 1
    errors.print(f"wrote the report of session {safe(session)} to {safe(output)}")
    return 0


def render(report: SessionReport, fmt: str, width: int | None = 120) -> str:
    if fmt == "json":
        return json.dumps(dataclasses.asdict(report), indent=2, default=str) + "\n"
    if fmt == "csv":
        return _csv(report)
    if fmt == "markdown":
        return _markdown(report)
    return _table(report, width or 120)


def interval_text(value: Interval, digits: int = 3) -> str:
    """`0.8 ± 0.302`: the mean and the half-width of its 95 % interval (t-intervals are
    symmetric; CSV and JSON give both ends)."""
    if value.n == 0:
        return "-"
    if value.low is None or value.high is None:
        return f"{value.mean:.{digits}g}"
    return f"{value.mean:.{digits}g} ± {(value.high - value.low) / 2:.{digits}g}"


def verdict(value: Interval) -> str:
    """What a paired difference's interval says: which side is better, or neither surely."""
    if value.low is None or value.high is None:
        return "too few pairs"
    if value.low > 0:
        return "first better"
    if value.high < 0:
        return "second better"
    return "no clear difference"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _speed(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _answers(player: Any) -> str:
    if player.decisions is None:
        return ""
    text = f"{player.decisions - player.invalid}/{player.decisions} answers"
    if player.fallbacks:
        text += f", {player.fallbacks} fallbacks"
    return text + f", {player.mean_latency_ms:,.0f} ms"


def _about(report: SessionReport) -> list[tuple[str, str]]:
    meta = report.meta
    when = dt.datetime.fromtimestamp(report.started_at).strftime("%Y-%m-%d %H:%M:%S")
    rows = [("session", report.session_id), ("started", when)]
    if meta.get("experiment"):
        rows.append(("experiment", str(meta["experiment"])))
    if meta.get("source"):
        rows.append(("file", str(meta["source"])))
    if meta.get("file_sha256"):
        rows.append(("file sha256", str(meta["file_sha256"])[:16]))
    seeds = meta.get("seeds")
    if isinstance(seeds, dict) and "listed" in seeds:
        shown = ", ".join(map(str, seeds["listed"][:10]))
        rows.append(("seeds", shown + (", …" if len(seeds["listed"]) > 10 else "")))
    elif isinstance(seeds, dict) and "start" in seeds:
        start, step, count = seeds.get("start"), seeds.get("step"), seeds.get("count")
        rows.append(("seeds", f"{start} for every episode" if step == 0 else
                     f"{start} to {start + count - 1}" if count else str(start)))  # fmt: skip
    versions = meta.get("versions")
    if isinstance(versions, dict):
        rows.append(("versions", ", ".join(f"{k} {v}" for k, v in versions.items())))
    return rows


def _table(report: SessionReport, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, highlight=False, color_system=None)
    about = Table(box=None, show_header=False)
    about.add_column(style="bold")
    about.add_column()
    for key, value in _about(report):
        about.add_row(key, safe(value))
    console.print(about)
    ops = Table(title="Operators (return: mean ± 95% interval)", header_style="bold",
                title_justify="left", box=box.SIMPLE_HEAD)  # fmt: skip
    wide = width >= 100  # length and speed need the room; markdown, CSV and JSON have them
    ops.add_column("operator", overflow="fold", min_width=10)  # its id (names: markdown, JSON)
    ops.add_column("task", overflow="ellipsis", no_wrap=True, max_width=24 if wide else 18)
    numbers = ("eps", "return", "success", "length", "steps/s") if wide else (
        "eps", "return", "success")  # fmt: skip
    for name in numbers:
        ops.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    ops.add_column("status", overflow="ellipsis", no_wrap=True, min_width=6)
    for op in report.operators:
        status = op.status if not op.error else f"{op.status}: {op.error[:60]}"
        cells = [str(op.episodes), interval_text(op.returns), _rate(op.success_rate)]
        if wide:
            cells += [f"{op.mean_length:.1f}", _speed(op.decisions_per_s)]
        ops.add_row(safe(op.operator_id), safe(op.task), *cells, safe(status))
    console.print(ops)
    players = [(op, p) for op in report.operators for p in op.players]
    if players:
        table = Table(title="Players", header_style="bold", title_justify="left",
                      box=box.SIMPLE_HEAD)  # fmt: skip
        for name in ("operator", "player", "return", "LLM answers"):
            table.add_column(name)
        for op, player in players:
            table.add_row(safe(op.operator_id), safe(player.agent),
                          interval_text(player.returns), _answers(player))  # fmt: skip
        console.print(table)
    if report.differences:
        table = Table(title="Paired differences (first - second, same seeds)",
                      header_style="bold", title_justify="left", box=box.SIMPLE_HEAD)
        for name in ("first", "second", "task", "pairs", "difference", "says"):
            table.add_column(name)
        for d in report.differences:
            table.add_row(safe(d.first), safe(d.second), safe(d.task), str(d.difference.n),
                          interval_text(d.difference), verdict(d.difference))  # fmt: skip
        console.print(table)
    console.print(report.method)
    return console.file.getvalue()  # type: ignore[attr-defined]


def _md(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _markdown(report: SessionReport) -> str:
    out = [f"# Session {_md(report.session_id)}", ""]
    out += [f"- **{key}**: {_md(value)}" for key, value in _about(report)[1:]]
    out += ["", "## Operators", "", "return: mean ± the half-width of its 95% interval", ""]
    out += ["| operator | task | episodes | return | success | length | steps/s | status |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]  # fmt: skip
    for op in report.operators:
        status = op.status if not op.error else f"{op.status}: {op.error[:60]}"
        out.append(
            f"| {_md(op.name)} | {_md(op.task)} | {op.episodes} | {interval_text(op.returns)}"
            f" | {_rate(op.success_rate)} | {op.mean_length:.1f} | {_speed(op.decisions_per_s)}"
            f" | {_md(status)} |"
        )
    players = [(op, p) for op in report.operators for p in op.players]
    if players:
        out += ["", "## Players", "", "| operator | player | return | LLM answers |",
                "| --- | --- | ---: | --- |"]  # fmt: skip
        out += [f"| {_md(op.name)} | {_md(p.agent)} | {interval_text(p.returns)} |"
                f" {_answers(p)} |" for op, p in players]  # fmt: skip
    if report.differences:
        out += ["", "## Paired differences (first - second, same seeds)", "",
                "| first | second | task | pairs | difference | says |",
                "| --- | --- | --- | ---: | ---: | --- |"]  # fmt: skip
        out += [f"| {_md(d.first)} | {_md(d.second)} | {_md(d.task)} | {d.difference.n} |"
                f" {interval_text(d.difference)} | {verdict(d.difference)} |"
                for d in report.differences]  # fmt: skip
    out += ["", f"_{report.method}_", ""]
    return "\n".join(out)


CSV_COLUMNS = (
    "kind", "session", "operator", "player", "task", "episodes", "mean", "ci_low", "ci_high",
    "success_rate", "mean_length", "steps_per_s", "llm_decisions", "llm_invalid",
    "llm_fallbacks", "status",
)  # fmt: skip


def _csv(report: SessionReport) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    base = {"session": report.session_id}
    for op in report.operators:
        writer.writerow({**base, "kind": "operator", "operator": op.operator_id, "task": op.task,
                         **_numbers(op.returns), "success_rate": op.success_rate,
                         "mean_length": op.mean_length, "steps_per_s": op.decisions_per_s,
                         "status": op.status})  # fmt: skip
        for p in op.players:
            writer.writerow({**base, "kind": "player", "operator": op.operator_id,
                             "player": p.agent, "task": op.task, **_numbers(p.returns),
                             "llm_decisions": p.decisions, "llm_invalid": p.invalid,
                             "llm_fallbacks": p.fallbacks})  # fmt: skip
    for d in report.differences:
        writer.writerow({**base, "kind": "difference", "operator": f"{d.first} - {d.second}",
                         "task": d.task, **_numbers(d.difference)})  # fmt: skip
    return buffer.getvalue()


def _numbers(value: Interval) -> dict[str, Any]:
    return {"episodes": value.n, "mean": value.mean if value.n else None, "ci_low": value.low,
            "ci_high": value.high}  # fmt: skip
