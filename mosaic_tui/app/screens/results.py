"""Results (key `v`, or the palette): the recorded sessions, and for the one chosen its report
(`mosaic-tui report`'s tables) with two plots drawn by plotext — each operator's return per
episode, and how its returns are spread. The store is read in a thread, never on the loop;
a read that fails (a damaged file, a disk error) is said in the report area, never a crash.
"""

from __future__ import annotations

import datetime as dt
import shlex
import sqlite3
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option
from textual_plotext import PlotextPlot

from mosaic_tui.render.report import report_tables
from mosaic_tui.render.text import plain, safe
from mosaic_tui.telemetry import TelemetryError, TelemetryStore
from mosaic_tui.telemetry.report import OperatorReport, SessionReport, build_report

SESSIONS_SHOWN = 50
PLOTTED = 8  # operators drawn in a plot (plotext has that many distinct colours)
# SQLite's errors about the disk, a lock or the machine rather than the file's pages
_NOT_DAMAGE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_FULL",
               "SQLITE_NOMEM", "SQLITE_PERM", "SQLITE_READONLY", "SQLITE_INTERRUPT")  # fmt: skip


def unreadable(db: Path, exc: sqlite3.DatabaseError | OSError, lost: str) -> str:
    """What the screen says when reading `db` failed under it: the file, the cause, what cannot
    be shown (`lost`) and the way on. A damaged file (garbage pages: it opens, then a read hits
    them) may give much of what it holds to `sqlite3 .recover`."""
    cause = (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__
    name = getattr(exc, "sqlite_errorname", None)  # Python 3.11+, for SQLite's own errors
    damaged = isinstance(exc, sqlite3.DatabaseError) and (
        type(exc) is sqlite3.DatabaseError if name is None else not name.startswith(_NOT_DAMAGE)
    )
    if not damaged:
        return f"cannot read {db} ({cause}): {lost} cannot be shown; pass another --db"
    path = shlex.quote(str(db))
    return (f"{db} is damaged ({cause}): {lost} cannot be read; `sqlite3 {path} .recover"
            " | sqlite3 recovered.sqlite` may save what is left, or pass another --db")  # fmt: skip


class ResultsScreen(Screen):  # type: ignore[type-arg]
    BINDINGS = [
        Binding("escape,v", "app.pop_screen", "Back", tooltip="Back to the operators"),
        Binding("ctrl+r", "reload", "Reload", tooltip="Read the sessions again"),
        Binding("p", "replay", "Replay", tooltip="Replay this session's episodes in a pane"),
    ]

    def __init__(self, db: Path | None) -> None:
        super().__init__()
        self.db = db
        self.report: SessionReport | None = None

    def compose(self) -> ComposeResult:
        yield Static("Results: recorded sessions (p replays the chosen one's episodes)",
                     id="results-title")
        yield OptionList(id="results-sessions")
        with VerticalScroll(id="results-body"):
            yield Static("", id="results-report")
            yield PlotextPlot(id="results-returns")
            yield PlotextPlot(id="results-spread")
        yield Footer()

    def on_mount(self) -> None:
        for plot in self.query(PlotextPlot):
            plot.display = False
        self.load_sessions()

    def action_reload(self) -> None:
        self.load_sessions()

    def action_replay(self) -> None:
        from mosaic_tui.app.screens.replay import ReplayScreen

        report = self.report
        operators = [op.operator_id for op in report.operators if op.episodes] if report else []
        if report is None or self.db is None or not operators:
            self.notify("choose a session with recorded episodes first", timeout=4)
            return
        names = {op.operator_id: op.name for op in report.operators}
        self.app.push_screen(ReplayScreen(self.db, report.session_id, operators, names=names))

    @work(thread=True, exclusive=True, group="sessions")
    def load_sessions(self) -> None:
        if self.db is None or not self.db.exists():
            self.app.call_from_thread(self._show_sessions, [], "nothing is recorded yet"
                                      + (f" ({plain(self.db)} does not exist)" if self.db
                                         else " (the app runs with --no-record)"))  # fmt: skip
            return
        try:
            with TelemetryStore.open(self.db) as store:
                rows = store.session_overview(limit=SESSIONS_SHOWN)
        except TelemetryError as exc:
            self.app.call_from_thread(self._show_sessions, [], str(exc))
            return
        except (sqlite3.DatabaseError, OSError) as exc:
            problem = unreadable(self.db, exc, "its sessions")
            self.app.call_from_thread(self._show_sessions, [], problem)
            return
        self.app.call_from_thread(self._show_sessions, rows, None)

    def _show_sessions(self, rows: list[Any], problem: str | None) -> None:
        listing = self.query_one("#results-sessions", OptionList)
        listing.clear_options()
        for row in rows:
            when = dt.datetime.fromtimestamp(row.started_at).strftime("%m-%d %H:%M")
            about = row.meta.get("experiment") if isinstance(row.meta, dict) else None
            label = f"{when}  {row.source:<5} {row.episodes:>6} episodes  {about or ''}"
            listing.add_option(Option(safe(label), id=row.session_id))
        if problem is not None:
            self._show_problem(problem)
        elif not rows:
            self.query_one("#results-report", Static).update("no sessions recorded yet")
        else:
            listing.highlighted = 0
            listing.focus()
            self.load_report(rows[0].session_id)

    @on(OptionList.OptionSelected, "#results-sessions")
    @on(OptionList.OptionHighlighted, "#results-sessions")
    def _chosen(self, event: OptionList.OptionSelected | OptionList.OptionHighlighted) -> None:
        if event.option.id is not None:
            self.load_report(event.option.id)

    @work(thread=True, exclusive=True, group="report")
    def load_report(self, session_id: str) -> None:
        assert self.db is not None
        try:
            with TelemetryStore.open(self.db) as store:
                report = build_report(store, session_id)
        except TelemetryError as exc:
            self.app.call_from_thread(self._show_problem, str(exc))
            return
        except (sqlite3.DatabaseError, OSError) as exc:
            problem = unreadable(self.db, exc, "this session's report")
            self.app.call_from_thread(self._show_problem, problem)
            return
        self.app.call_from_thread(self._show_report, report)

    def _show_problem(self, text: str) -> None:
        self.report = None  # nothing to replay, and no other session's plots under the message
        for plot in self.query(PlotextPlot):
            plot.display = False
        self.query_one("#results-report", Static).update(safe(text))

    def _show_report(self, report: SessionReport) -> None:
        self.report = report
        width = max(40, self.size.width - 4)
        self.query_one("#results-report", Static).update(report_tables(report, width))
        with_episodes = [op for op in report.operators if op.episode_returns][:PLOTTED]
        returns = self.query_one("#results-returns", PlotextPlot)
        spread = self.query_one("#results-spread", PlotextPlot)
        returns.display = spread.display = bool(with_episodes)
        plt = returns.plt
        plt.clear_figure()
        plt.title("return per episode")
        for op in with_episodes:
            xs = list(range(1, len(op.episode_returns) + 1))  # episode 1 is the first
            plt.plot(xs, op.episode_returns, label=legend(op), marker="braille")
        plt.xlabel("episode")
        returns.refresh()
        plt = spread.plt
        plt.clear_figure()
        plt.title("distribution of returns")
        for op in with_episodes:
            plt.hist(op.episode_returns, bins=min(20, max(5, len(op.episode_returns) // 5)),
                     label=plain(op.operator_id))  # fmt: skip
        plt.xlabel("return")
        spread.refresh()


def legend(op: OperatorReport, room: int = 24) -> str:
    """`op_0 Random on Empty…`: the id the tables use, and the name people gave it."""
    label = op.operator_id if op.name in ("", op.operator_id) else f"{op.operator_id} {op.name}"
    label = plain(label)
    return label if len(label) <= room else label[: room - 1] + "…"
