"""A session's report (telemetry/report.py) drawn with Rich: the same tables in
`mosaic-tui report` (its table format) and the app's results screen. Names from files are
escaped before Rich markup sees them."""

from __future__ import annotations

import datetime as dt
import re
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
    wide = width >= 100  # length and speed need the room; markdown, CSV and JSON have them
    numbers = ("eps", "return", "success", "length", "steps/s") if wide else (
        "eps", "return", "success")  # fmt: skip
    rows = []
    for op in report.operators:
        cells = [str(op.episodes), interval_text(op.returns), rate(op.success_rate)]
        if wide:
            cells += [f"{op.mean_length:.1f}", speed(op.decisions_per_s)]
        status = op.status if not op.error else f"{op.status}: {op.error}"  # all of it
        rows.append([op.label, op.task, *cells, status])
    ops = Table(title="Operators (return: mean ± 95% interval)", header_style="bold",
                title_justify="left", box=box.SIMPLE_HEAD)  # fmt: skip
    # The operator (its id; names are in markdown and JSON) and the task tell the rows apart:
    # never dropped, never wrapped, given their room first; the status (a whole error
    # message) wraps in what is left.
    _add_columns(ops, width, ("operator", "task"), numbers, "status", rows,
                 wrapped=STATUS_MIN if width >= 70 else 8,
                 cap={"task": 24 if wide else 18}, justify="right")  # fmt: skip
    parts.append(ops)
    players = [(op, p) for op in report.operators for p in op.players]
    if players:
        table = Table(title="Players", header_style="bold", title_justify="left",
                      box=box.SIMPLE_HEAD)  # fmt: skip
        rows = [[op.label, player.agent, interval_text(player.returns), answers(player)]
                for op, player in players]  # fmt: skip
        _add_columns(table, width, ("operator", "player"), ("return",), "LLM answers", rows,
                     wrapped=STATUS_MIN)  # fmt: skip
        parts.append(table)
    if report.differences:
        table = Table(title="Paired differences (first - second, same seeds)",
                      header_style="bold", title_justify="left", box=box.SIMPLE_HEAD)
        rows = [[d.first, d.second, d.task, str(d.difference.n), interval_text(d.difference),
                 verdict(d.difference)] for d in report.differences]  # fmt: skip
        _add_columns(table, width, ("first", "second", "task"), ("pairs", "difference"),
                     "says", rows, wrapped=10)  # fmt: skip
        parts.append(table)
    if report.standings is not None:
        parts.append(standings_tables(report.standings))
    parts.append(report.method)
    return Group(*parts)


STATUS_MIN = 12  # the room a wrapped column (status, LLM answers) keeps at 70 columns or more
ID_FLOOR = 10  # an id or task is cut below this only when the table has no other room
_RUN = re.compile(r" \(run \d+\)$")  # OperatorReport.run_suffix: kept when an id is cut


def _add_columns(
    table: Table,
    width: int,
    ids: tuple[str, ...],
    numbers: tuple[str, ...],
    wrapping: str,
    rows: list[list[str]],
    *,
    wrapped: int,
    cap: dict[str, int] | None = None,
    justify: str = "left",
) -> None:
    """The columns and rows (plain text, escaped here) of a report table: `ids` (operator
    ids, tasks) one line a cell, never dropped; `numbers` never wrapped; `wrapping` last,
    wrapping (and folding long words) in the room the others leave, `wrapped` at the least."""
    wants = [min(max([len(name), *(len(row[i]) for row in rows)]), (cap or {}).get(name, 10**6))
             for i, name in enumerate(ids)]  # fmt: skip
    fixed = [max([len(name), *(len(row[len(ids) + i]) for row in rows)])
             for i, name in enumerate(numbers)]  # fmt: skip
    shares = id_widths(width, wants, [len(name) for name in ids], fixed=fixed, wrapped=wrapped)
    for name, share in zip(ids, shares, strict=True):
        table.add_column(name, no_wrap=True, overflow="ellipsis", min_width=share,
                         max_width=share)  # fmt: skip
    for name in numbers:
        table.add_column(name, justify=justify, no_wrap=True, min_width=len(name))  # type: ignore[arg-type]
    table.add_column(wrapping, overflow="fold")
    for row in rows:
        cells = [fit(text, share) for text, share in zip(row, shares, strict=False)]
        table.add_row(*(safe(text) for text in cells + row[len(ids):]))


def id_widths(
    width: int, wants: list[int], floors: list[int], *, fixed: list[int], wrapped: int
) -> list[int]:
    """How wide each identifying column (operator id, task) may be in a table of `width`
    characters (SIMPLE_HEAD box, one space of padding a side) that also has no-wrap columns
    `fixed` wide and one wrapping column needing `wrapped`: each its whole text when they
    fit; otherwise the widest is cut first, to ID_FLOOR, then further, never below its
    floor (its header's width) nor 4."""
    columns = len(wants) + len(fixed) + 1
    room = width - (columns + 1) - 2 * columns - sum(fixed) - wrapped
    shares = list(wants)
    for least in (ID_FLOOR, 4):
        while sum(shares) > room:
            cuttable = [i for i, s in enumerate(shares) if s > max(least, floors[i])]
            if not cuttable:
                break
            widest = max(cuttable, key=lambda i: shares[i])
            shares[widest] -= 1
    return shares


def fit(text: str, width: int) -> str:
    """`text` in `width` characters: cut with … at the end, but a ` (run N)` at its end stays
    (two runs of one operator must still be told apart)."""
    if len(text) <= width:
        return text
    found = _RUN.search(text)
    suffix = found.group() if found else ""
    if width - len(suffix) < 4:
        return text[: width - 1] + "…"
    return text[: width - len(suffix) - 1] + "…" + suffix


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


