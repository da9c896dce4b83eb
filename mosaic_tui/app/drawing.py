"""What the screen shows of the operators: the one bridge from the runtime's events to the
panes and the operator list, and the batches that redraw status lines and rows.

Frames go straight to their panes; a step only marks its operator, and the marked ones are
drawn together on a tick of the panes' paint clock, at most every `STATUS_EVERY` seconds
(their rows in the list every `LIST_EVERY`); anything else is drawn at once. Owned by
the app (`app.drawing`), whose session, panes and widgets it draws.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from textual.css.query import NoMatches
from textual.widgets import Static

from mosaic_tui.app.layout import (
    clean,
    frame_interval,
    host_tag,
    operator_name,
    pace_text,
    pane_status,
)
from mosaic_tui.app.markup import escape
from mosaic_tui.app.messages import BoardReady, OperatorChanged, OperatorCrashed
from mosaic_tui.app.view import OperatorView, entry_view
from mosaic_tui.app.widgets.operator_list import OperatorList
from mosaic_tui.runtime import (
    Asked,
    EpisodeStarted,
    Notice,
    OperatorFailed,
    RunnerEvent,
    StepTaken,
)
from mosaic_tui.runtime.events import FrameDrawn

if TYPE_CHECKING:
    from mosaic_tui.app.app import MosaicApp
    from mosaic_tui.runtime import Session

STATUS_EVERY = 0.25  # seconds: running operators' status lines redraw this often
LIST_EVERY = 1.0  # ... and their rows in the list (a summary; the pane has the live numbers)


def error_text(message: str) -> str:
    """What a failed operator's pane shows: how to restart or remove it, why it stopped,
    where its log is, then the log's last lines. A small pane (eight at 120x40) cuts the end:
    the cause comes before the log's path, which wraps over several lines there."""
    lines = message.splitlines()
    at = next((i for i, line in enumerate(lines) if line.startswith("  ")), len(lines))
    cause, rest = lines[:at], lines[at:]  # `WorkerError`: its summary, then indented parts
    logs = [line for line in rest if line.startswith("  log: ")]
    tail = "\n".join(line for line in rest if line not in logs)
    where = "".join(f"\nlog: {escape(line[7:])}" for line in logs)
    why = escape("\n".join(cause))
    text = f"[b red]error[/] · e edit, then Save, to restart · x remove\n{why}{where}"
    return text + (f"\n{escape(tail)}" if tail else "")


class OperatorDrawing:
    """The drawing half of `MosaicApp`, owned by it (`app.drawing`): the app's `@on`
    handlers hand their messages here (Textual reads handlers from the app's own class)."""

    def __init__(self, app: MosaicApp) -> None:
        self.app = app
        self._shown_text: dict[str, str] = {}  # what each status widget shows now
        self._drawn_at = 0.0  # when the last batch of stepped operators was drawn
        self._listed_at = 0.0  # ... and the last that redrew their rows in the list too
        self._rows_due: set[str] = set()  # operators whose rows a later batch draws
        # stepped operators the next batch draws: the copy to draw, or None for a copy made
        # then (a step only marks its operator: nothing is copied or posted per step)
        self._draw_due: dict[str, OperatorView | None] = {}
        self._draw_scheduled = False
        #: the panes' paint clock (`ScreenLayout.relayout` sets it): batches go on its ticks
        self.frame_every = frame_interval(0)

    @property
    def session(self) -> Session:
        return self.app.session

    def on_runner_event(self, event: RunnerEvent) -> None:
        """The one bridge from the runtime (same loop). Frames go straight to their panes,
        which paint the newest at most once per `FramePane.frame_every` (and a stream's
        runner asks only for the frames painted: `Session.frame_every`); boards become
        messages (newest wins); a step marks its operator for the next batch of status
        redraws; anything else is a message that redraws row and pane at once."""
        if isinstance(event, (StepTaken, EpisodeStarted)):
            pane = self.app.pane(event.operator_id)
            if pane is not None and event.frame is not None:
                pane.frame_arrived(event.frame)
            if pane is not None and event.board is not None:
                pane.post_message(BoardReady(event.operator_id, event.board))
            if isinstance(event, StepTaken):  # 30 a second per operator: no message, no copy
                if pane is not None:
                    pane.stepped()
                self._step_drawn_later(event.operator_id)
                return
        elif isinstance(event, FrameDrawn):  # a paused stream's last picture
            pane = self.app.pane(event.operator_id)
            if pane is not None:
                pane.frame_arrived(event.frame)
            return
        elif isinstance(event, OperatorFailed):
            self.app.post_message(OperatorCrashed(event))
            return
        elif isinstance(event, Notice):
            title = "all operators" if event.session_wide else event.operator_id
            self.app.notify(escape(event.message), title=title, severity="warning", timeout=6)
            self._refresh_session()  # a notice may come with a change of the session's state
            return
        op, asked = event.operator_id, isinstance(event, Asked)
        self.app.post_message(OperatorChanged(op, self.view(op, asked=asked), True, event.run_id))

    def view(self, op: str, *, asked: bool = False) -> OperatorView:
        """What the screen shows of `op` now: copied from its runner, drawn from the copy.
        `asked`: its humans are being asked for a key (the keyboard is about to wait)."""
        entry = self.session.operators.get(op)
        return entry_view(entry, running=self.session.running, asked=asked)

    def operator_changed(self, message: OperatorChanged) -> None:
        """A state, an end or whose key: drawn at once. A step: its operator joins the next
        batch, drawn together with the others' at most every `STATUS_EVERY` s."""
        op = message.operator_id
        entry = self.session.operators.get(op)
        runner = entry.seat.runner if entry is not None and entry.seat is not None else None
        if message.run_id is not None and (runner is None or runner.run_id != message.run_id):
            return  # from a run that is gone (removed, or edited and restarted)
        if message.urgent:
            self._draw_due.pop(op, None)
            # the row at once if its state changed; an episode's number can wait for the list
            try:
                row = self.app.query_one(OperatorList).state_of(op) != message.view.state
            except NoMatches:  # the app is closing
                return
            self._draw_operator(op, message.view, row=row)
            if not row:
                self._rows_due.add(op)
                self._schedule_batch()
            return
        self._draw_due[op] = message.view  # the newest copy wins
        self._schedule_batch()

    def show_failure(self, op: str) -> None:
        """Why the operator stopped, on its pane (the session holds the message)."""
        entry = self.session.operators.get(op)
        pane = self.app.pane(op)
        if entry is not None and entry.error is not None and pane is not None:
            pane.show_error(error_text(entry.error))
            pane.show_status("error")
        self.refresh_status()

    def _step_drawn_later(self, op: str) -> None:
        """A step of `op`: its row and pane join the next batch, copied when it is drawn."""
        self._draw_due[op] = None  # newer than any copy waiting
        self._schedule_batch()

    def _schedule_batch(self) -> None:
        """The next batch, on a tick of the panes' paint clock (`FramePane.frame_arrived`):
        status lines change in the same redraw as the frames, not in one of their own."""
        if not self._draw_scheduled:
            self._draw_scheduled = True
            now = time.monotonic()
            due = self._drawn_at + STATUS_EVERY
            if due <= now:  # the last batch was a while ago: this one goes now
                self.app.call_later(self._draw_batch)
                return
            every = self.frame_every
            tick = math.ceil(due / every - 1e-6) * every
            self.app.set_timer(tick - now, self._draw_batch)

    def _draw_batch(self) -> None:
        """Status lines every batch; rows in the list every `LIST_EVERY` (operators whose
        rows are behind wait for that batch, which comes even if they stepped no more)."""
        self._draw_scheduled = False
        self._drawn_at = now = time.monotonic()
        due, self._draw_due = self._draw_due, {}
        listed = now - self._listed_at >= LIST_EVERY - STATUS_EVERY / 2
        if listed:
            self._listed_at = now
            for op in self._rows_due - due.keys():
                self._draw_row(op, self.view(op))
            self._rows_due.clear()
        else:
            self._rows_due.update(due)
        for op, view in due.items():
            self._draw_operator(op, view if view is not None else self.view(op), row=listed)
        if self._rows_due:
            self._schedule_batch()

    def refresh_status(self) -> None:
        try:
            self._refresh_status()
        except NoMatches:  # the app is closing and its widgets are already gone
            pass

    def refresh_operator(self, op: str) -> None:
        """One operator's pane now, after its human's key; its row in the list waits for the
        list's next turn. (Redrawing every operator here put 16 rows of the list on the way
        of each key to its frame.)"""
        self._draw_operator(op, self.view(op), row=False)
        self._rows_due.add(op)
        self._schedule_batch()

    def _refresh_status(self) -> None:
        for op in list(self.session.operators):
            self._draw_operator(op, self.view(op))
        self._refresh_session()

    def _draw_operator(self, op: str, view: OperatorView, *, row: bool = True) -> None:
        try:
            self._draw(op, view, row=row)
        except NoMatches:  # its pane is being removed, or the app is closing
            pass

    def _draw_row(self, op: str, view: OperatorView) -> None:
        entry = self.session.operators.get(op)
        if entry is None:  # removed since
            return
        config = entry.config
        name, task = operator_name(config), clean(config.task)
        tag = host_tag(config)
        if tag:  # where it runs, first on the task's line (a narrow list cuts its end)
            task = f"{tag} {task}"
        try:
            self.app.query_one(OperatorList).upsert(
                op, name, task, view.state, view.episode, view.step, view.ret,
                order=self.session.operators,
            )  # fmt: skip
        except NoMatches:  # the app is closing
            pass

    def _draw(self, op: str, view: OperatorView, *, row: bool = True) -> None:
        """One operator's row (unless `row` is False) and pane, from a copy of its runner."""
        entry = self.session.operators.get(op)
        if entry is None:  # removed since
            return
        if row:
            self._rows_due.discard(op)
            self._draw_row(op, view)
        pane = self.app.pane(op)
        if pane is None or view.state in ("error", "pending"):
            return
        pane.follow(view)  # last move, outcome, move box
        status = pane_status(
            view.episode,
            view.step,
            view.ret,
            view.state,
            pane.steps_per_second,
            human=view.human,
            awaiting_key=view.awaiting_key,
            holder=view.holder,
            waiting=list(view.waiting) if view.waiting is not None else None,
            then=list(view.then),
            thinking=view.thinking,
            decisions=view.decisions,
        )
        pane.show_status(status)  # the pane cuts it to its width

    def _refresh_session(self) -> None:
        mode = "running" if self.session.running else "paused"
        pace = pace_text(self.session.pace)
        self._show(
            "#session-info",
            f"Session\nstate   {mode}\npace    {pace}\n"
            f"seed    {self.session.seed}\ncolours {self.app.frame_colors}",
        )
        self._show("#status-line", f"{mode} · pace {pace} · seed {self.session.seed}")
        self.app.sub_title = f"seed {self.session.seed} · {mode}"

    def _show(self, selector: str, text: str) -> None:
        """Update a status widget only when its text changed: an idle app writes nothing."""
        if self._shown_text.get(selector) != text:
            self._shown_text[selector] = text
            self.app.query_one(selector, Static).update(text)
