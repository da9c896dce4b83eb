"""`mosaic-tui report [SESSION]`: which decision-maker did better, by how much, how surely.

Written as a table (the terminal), Markdown (a lab notebook, an issue), CSV (a spreadsheet,
one row per operator, player and paired difference) or JSON (everything, per-episode returns
included). The numbers come from telemetry/report.py.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from mosaic_tui.cli.text import safe
from mosaic_tui.render.report import (
    about,
    answers,
    interval_text,
    rate,
    report_tables,
    speed,
    verdict,
)
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
    console = Console(file=io.StringIO(), width=width or 120, highlight=False, color_system=None)
    console.print(report_tables(report, width or 120))
    return console.file.getvalue()  # type: ignore[attr-defined]


def _md(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _markdown(report: SessionReport) -> str:
    out = [f"# Session {_md(report.session_id)}", ""]
    out += [f"- **{key}**: {_md(value)}" for key, value in about(report)[1:]]
    out += ["", "## Operators", "", "return: mean ± the half-width of its 95% interval", ""]
    out += ["| operator | task | episodes | return | success | length | steps/s | status |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]  # fmt: skip
    for op in report.operators:
        status = op.status if not op.error else f"{op.status}: {op.error}"  # all of it
        out.append(
            f"| {_md(op.name + op.run_suffix)} | {_md(op.task)} | {op.episodes}"
            f" | {interval_text(op.returns)} | {rate(op.success_rate)} | {op.mean_length:.1f}"
            f" | {speed(op.decisions_per_s)}"
            f" | {_md(status)} |"
        )
    players = [(op, p) for op in report.operators for p in op.players]
    if players:
        out += ["", "## Players", "", "| operator | player | return | LLM answers |",
                "| --- | --- | ---: | --- |"]  # fmt: skip
        out += [f"| {_md(op.name + op.run_suffix)} | {_md(p.agent)} | {interval_text(p.returns)} |"
                f" {answers(p)} |" for op, p in players]  # fmt: skip
    if report.differences:
        out += ["", "## Paired differences (first - second, same seeds)", "",
                "| first | second | task | pairs | difference | says |",
                "| --- | --- | --- | ---: | ---: | --- |"]  # fmt: skip
        out += [f"| {_md(d.first)} | {_md(d.second)} | {_md(d.task)} | {d.difference.n} |"
                f" {interval_text(d.difference)} | {verdict(d.difference)} |"
                for d in report.differences]  # fmt: skip
    found = report.standings
    if found is not None:
        out += ["", "## Wins/draws/losses (row against column, both sides)", "",
                "| | " + " | ".join(_md(p) for p in found.players) + " |",
                "| --- |" + " :---: |" * len(found.players)]  # fmt: skip
        for row in found.players:
            cells = ["-" if col == row else "{0.wins}/{0.draws}/{0.losses}".format(
                found.matrix[row][col]) for col in found.players]  # fmt: skip
            out.append(f"| {_md(row)} | " + " | ".join(cells) + " |")
        out += ["", "## Ratings (OpenSkill Plackett-Luce)", "",
                "| # | player | mu ± sigma | mu - 3 sigma |", "| ---: | --- | ---: | ---: |"]
        out += [f"| {i} | {_md(r.player)} | {r.mu:.1f} ± {r.sigma:.1f} | {r.ordinal:.1f} |"
                for i, r in enumerate(found.ratings, start=1)]  # fmt: skip
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
        writer.writerow({**base, "kind": "operator", "operator": op.label, "task": op.task,
                         **_numbers(op.returns), "success_rate": op.success_rate,
                         "mean_length": op.mean_length, "steps_per_s": op.decisions_per_s,
                         "status": op.status})  # fmt: skip
        for p in op.players:
            writer.writerow({**base, "kind": "player", "operator": op.label,
                             "player": p.agent, "task": op.task, **_numbers(p.returns),
                             "llm_decisions": p.decisions, "llm_invalid": p.invalid,
                             "llm_fallbacks": p.fallbacks})  # fmt: skip
    for d in report.differences:
        writer.writerow({**base, "kind": "difference", "operator": f"{d.first} - {d.second}",
                         "task": d.task, **_numbers(d.difference)})  # fmt: skip
    if report.standings is not None:  # a tournament: mean = mu, the ends mu -/+ 3 sigma
        for r in report.standings.ratings:
            played = sum(x.games for x in report.standings.matrix[r.player].values())
            writer.writerow({**base, "kind": "rating", "operator": r.player, "episodes": played,
                             "mean": r.mu, "ci_low": r.ordinal, "ci_high": r.mu + 3 * r.sigma})
    return buffer.getvalue()


def _numbers(value: Interval) -> dict[str, Any]:
    return {"episodes": value.n, "mean": value.mean if value.n else None, "ci_low": value.low,
            "ci_high": value.high}  # fmt: skip
