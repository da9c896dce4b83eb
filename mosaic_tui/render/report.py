"""A session's report (telemetry/report.py) drawn with Rich: the same tables in
`mosaic-tui report` (its table format) and the app's results screen. Names from files are
escaped before Rich markup sees them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table

from mosaic_tui.render.text import safe
from mosaic_tui.telemetry.report import Interval, SessionReport
from mosaic_tui.telemetry.standings import Standings


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


def rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def speed(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def answers(player: Any) -> str:
    if player.decisions is None:
        return ""
    text = f"{player.decisions - player.invalid}/{player.decisions} answers"
    if player.fallbacks:
        text += f", {player.fallbacks} fallbacks"
    return text + f", {player.mean_latency_ms:,.0f} ms"


def about(report: SessionReport) -> list[tuple[str, str]]:
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


def report_tables(report: SessionReport, width: int) -> Group:
    """How the session was made, then operators, players and paired differences."""
    parts: list[Any] = []
    about_table = Table(box=None, show_header=False)
    about_table.add_column(style="bold")
    about_table.add_column()
    for key, value in about(report):
        about_table.add_row(key, safe(value))
    parts.append(about_table)
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
        cells = [str(op.episodes), interval_text(op.returns), rate(op.success_rate)]
        if wide:
            cells += [f"{op.mean_length:.1f}", speed(op.decisions_per_s)]
        ops.add_row(safe(op.operator_id), safe(op.task), *cells, safe(status))
    parts.append(ops)
    players = [(op, p) for op in report.operators for p in op.players]
    if players:
        table = Table(title="Players", header_style="bold", title_justify="left",
                      box=box.SIMPLE_HEAD)  # fmt: skip
        for name in ("operator", "player", "return", "LLM answers"):
            table.add_column(name)
        for op, player in players:
            table.add_row(safe(op.operator_id), safe(player.agent),
                          interval_text(player.returns), answers(player))  # fmt: skip
        parts.append(table)
    if report.differences:
        table = Table(title="Paired differences (first - second, same seeds)",
                      header_style="bold", title_justify="left", box=box.SIMPLE_HEAD)
        for name in ("first", "second", "task", "pairs", "difference", "says"):
            table.add_column(name)
        for d in report.differences:
            table.add_row(safe(d.first), safe(d.second), safe(d.task), str(d.difference.n),
                          interval_text(d.difference), verdict(d.difference))  # fmt: skip
        parts.append(table)
    if report.standings is not None:
        parts.append(standings_tables(report.standings))
    parts.append(report.method)
    return Group(*parts)


def standings_tables(found: Standings) -> Group:
    """A tournament's win/draw/loss matrix (row against column, both sides) and ratings."""
    matrix = Table(title="Wins/draws/losses (row against column, both sides)",
                   header_style="bold", title_justify="left", box=box.SIMPLE_HEAD)  # fmt: skip
    matrix.add_column("")
    for name in found.players:
        matrix.add_column(safe(name), justify="center")
    for row in found.players:
        cells = [
            "-" if col == row else "{0.wins}/{0.draws}/{0.losses}".format(found.matrix[row][col])
            for col in found.players
        ]
        matrix.add_row(safe(row), *cells)
    ratings = Table(title="Ratings (OpenSkill Plackett-Luce: mu ± sigma, ranked by mu - 3 sigma)",
                    header_style="bold", title_justify="left", box=box.SIMPLE_HEAD)  # fmt: skip
    for name, justify in (("#", "right"), ("player", "left"), ("rating", "right"),
                          ("mu - 3 sigma", "right"), ("won", "right")):  # fmt: skip
        ratings.add_column(name, justify=justify)  # type: ignore[arg-type]
    for place, rating in enumerate(found.ratings, start=1):
        records = found.matrix[rating.player].values()
        won = sum(r.wins for r in records)
        games = sum(r.games for r in records)
        ratings.add_row(str(place), safe(rating.player), f"{rating.mu:.1f} ± {rating.sigma:.1f}",
                        f"{rating.ordinal:.1f}", f"{won}/{games}")  # fmt: skip
    parts: list[Any] = [matrix, ratings]
    if found.unfinished:
        parts.append("unfinished: " + safe("; ".join(found.unfinished)))
    return Group(*parts)


