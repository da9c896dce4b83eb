"""The mosaic-tui app: operators on the left, their frames on the right, controls in the footer.

Widgets only draw; the `Session` (runtime layer) runs the operators as asyncio tasks on the
same loop, and every control is an action: a key in the footer and a command in the palette.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from rich.markup import escape
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container
from textual.css.query import NoMatches
from textual.driver import Driver
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import HelpPanel, Static
from textual.worker import Worker, WorkerState

from mosaic_tui.app.commands import OperatorCommands, binding_commands
from mosaic_tui.app.drawing import OperatorDrawing
from mosaic_tui.app.layout import (
    MIN_HEIGHT,
    MIN_WIDTH,
    SIDEBAR_FROM,
    best_columns,
    frame_interval,
    pace_text,
    pane_title,
)
from mosaic_tui.app.messages import OperatorChanged, OperatorCrashed
from mosaic_tui.app.operator_actions import OperatorActions
from mosaic_tui.app.toasts import ToastGate
from mosaic_tui.app.view import OperatorView
from mosaic_tui.app.widgets.footer import KeyFooter
from mosaic_tui.app.widgets.frame_pane import FramePane
from mosaic_tui.app.widgets.kept import KeptContainer, KeptHorizontal, KeptVertical
from mosaic_tui.app.widgets.operator_list import OperatorList
from mosaic_tui.core import OperatorConfig, plugins
from mosaic_tui.envs import keymaps
from mosaic_tui.protocol import FrameRequest
from mosaic_tui.runtime import (
    LaunchError,
    Listener,
    Session,
    WorkerError,
)
from mosaic_tui.telemetry import Recorder

QUIT_DEADLINE = 1.5  # seconds a lost terminal leaves for a graceful stop
DRAIN_WAIT = 10.0  # seconds quitting waits for a busy results database


def _kill_now(sig: int) -> None:
    """The graceful stop took too long: kill every worker, then this process."""
    from mosaic_tui.runtime import process

    process._kill_leftovers()  # every live worker's process group
    os._exit(128 + sig)


def _recording(recorder: Recorder) -> Callable[[OperatorConfig, str], Listener]:
    def begin(config: OperatorConfig, run_id: str) -> Listener:
        recorder.begin(config, run_id)
        return recorder

    return begin


class MosaicApp(OperatorActions, OperatorDrawing, App[None]):
    CSS_PATH = "mosaic.tcss"
    TITLE = "mosaic-tui"
    COMMANDS = App.COMMANDS | {OperatorCommands}  # per-operator commands in the palette
    # The footer shows as many as fit (see widgets.footer); the palette lists them all, with
    # the tooltip as its description.
    BINDINGS = [
        Binding("space", "toggle_run", "Run/Pause", tooltip="Run every operator, or pause all"),
        Binding("s", "step_all", "Step", tooltip="One step of every operator (pauses first)"),
        Binding("r", "reset_all", "Reset", tooltip="A new episode everywhere, same seed"),
        Binding(
            "plus,equals_sign",
            "faster",
            "Faster",
            key_display="+",
            tooltip="Pace up: 1, 2, 5, 10, 20, 30, 60 steps/s, then max",
        ),
        Binding("minus", "slower", "Slower", key_display="-", tooltip="Pace down, to 1 step/s"),
        Binding("a", "add", "Add", tooltip="Configure a new operator"),
        Binding("e", "edit", "Edit", tooltip="Change the selected operator (it restarts)"),
        Binding("c", "duplicate", "Copy", tooltip="Start a copy of the selected operator"),
        Binding("x", "remove", "Remove", tooltip="Stop and remove the selected operator"),
        Binding("m", "toggle_colors", "Colours", tooltip="Frames in 256 colours or truecolor"),
        Binding("b", "toggle_sidebar", "List", tooltip="Show or hide the operator list"),
        Binding("v", "results", "Results",
                tooltip="Recorded sessions: their reports and plots"),  # fmt: skip
        Binding("escape", "focus_list", "Operators", show=False),
        Binding("q", "quit", "Quit", tooltip="Stop every worker and quit"),
        # q is a letter in a human's pane: ctrl+q quits from anywhere, shown where q is not.
        Binding("ctrl+q", "quit_anywhere", "Quit", key_display="^q", priority=True),
    ]

    def __init__(
        self,
        configs: Iterable[OperatorConfig] = (),
        *,
        seed: int = 0,
        pace: float = 10.0,
        autorun: bool = True,
        log_dir: Path | None = None,
        colors: str = "truecolor",
        recorder: Recorder | None = None,
        fixed_seed: bool = False,
        results_db: Path | None = None,
        seeds: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        self.initial = list(configs)
        self.session = Session(log_dir=log_dir, seed=seed, pace=pace)
        self.session.fixed = fixed_seed  # every episode on `seed` ("fixed" environments)
        self.session.plan = seeds  # the file's: played in order, then the session pauses
        self.session.listeners.append(self._on_runner_event)
        self.recorder = recorder
        #: the database the results screen reads: the one being recorded into, else the given
        self.results_db = (
            Path(str(recorder.store.path)) if recorder is not None else results_db
        )
        if recorder is not None:
            self.session.on_new_run = _recording(recorder)
            recorder.on_failure = self._not_recorded
        self.autorun = autorun
        self.frame_colors = colors
        self.sidebar_choice: bool | None = None  # `b` decides; until then, the width does
        self._shown_text: dict[str, str] = {}  # what each status widget shows now
        self._drawn_at = 0.0  # when the last batch of stepped operators was drawn
        self._listed_at = 0.0  # ... and the last that redrew their rows in the list too
        self._rows_due: set[str] = set()  # operators whose rows a later batch draws
        # stepped operators the next batch draws: the copy to draw, or None for a copy made
        # then (a step only marks its operator: nothing is copied or posted per step)
        self._draw_due: dict[str, OperatorView | None] = {}
        self._panes: dict[str, FramePane] = {}  # by operator id: no DOM query per frame
        self._draw_scheduled = False
        self._frame_every = frame_interval(0)  # the panes' paint clock (`relayout` sets it)
        self.ended_by: int | None = None  # the signal (SIGHUP: terminal lost) that ends it
        self._toasts = ToastGate()

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with KeptHorizontal(id="body"):
            with KeptVertical(id="sidebar"):
                yield Static("Operators", classes="heading")
                yield OperatorList(id="operators")
                yield Static("", id="session-info")
            yield KeptContainer(id="grid")
        yield Static("", id="too-small")
        yield Static("", id="status-line")  # the session's state while the list is hidden
        yield KeyFooter()

    async def on_mount(self) -> None:
        self._watch_signals()
        if self.autorun:
            self.session.run()  # operators join the running session as they finish starting
        for config in self.initial:
            self.add_operator(config)
        self.relayout()
        self.refresh_status()
        for problem in plugins.broken():  # skipped, never fatal: but said
            self.notify(
                escape(f"{problem}\n(mosaic-tui workers lists the plugins)"),
                title="plugin skipped",
                severity="warning",
                timeout=12,
            )

    def on_resize(self) -> None:
        self.call_after_refresh(self.relayout)  # once the new size has reached the screen

    def relayout(self) -> None:
        """Lay the panes out for the terminal size, or say it is too small."""
        width, height = self.size
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        note = self.query_one("#too-small", Static)
        note.display = small
        self.query_one("#body").display = not small
        if small:
            note.update(
                f"The terminal is {width}x{height}:\nmosaic-tui needs at least "
                f"{MIN_WIDTH}x{MIN_HEIGHT}.\nEnlarge the window (or use a smaller font)."
                "\n\nq quits"
            )
            return
        sidebar = self.query_one("#sidebar")
        sidebar_width = 30 if width >= 120 else 24
        sidebar.styles.width = sidebar_width
        # small terminals give the frames the room; the state goes to one line instead
        wanted = width >= SIDEBAR_FROM if self.sidebar_choice is None else self.sidebar_choice
        sidebar.display = wanted and width - sidebar_width >= MIN_WIDTH // 2
        self.query_one("#status-line").display = not sidebar.display
        self.query_one(KeyFooter).compact = width < 120
        all_panes = list(self.query(FramePane))
        panes = len(all_panes)
        every = frame_interval(panes)
        self._frame_every = every
        for pane in all_panes:
            pane.frame_every = every  # one clock for all: they paint on the same ticks
        self.session.frame_every = every  # ... and streams draw only the frames painted
        grid = self.query_one("#grid", Container)
        grid_width = width - (sidebar_width if sidebar.display else 0)
        cols = best_columns(panes, grid_width, height - (1 if sidebar.display else 2))
        grid.styles.grid_size_columns = cols
        grid.styles.grid_size_rows = max(1, math.ceil(panes / cols))
        self.call_after_refresh(self._request_frame_sizes)  # frames come at the new pane size
        self.call_after_refresh(self.refresh_status)  # status lines cut to the new widths

    # ------------------------------------------------------------------ operators

    def add_operator(self, config: OperatorConfig, at: int | None = None) -> None:
        """Start an operator: last on screen, or at place `at` (an edited one keeps its own)."""
        try:
            self.session.register(config, at)
        except LaunchError as exc:
            self.notify(escape(str(exc)), severity="error", timeout=6)
            return
        pane = FramePane(config.operator_id, escape(pane_title(config)), colors=self.frame_colors)
        grid = self.query_one("#grid")
        panes = list(grid.query_children(FramePane))
        grid.mount(pane, before=panes[at] if at is not None and at < len(panes) else None)
        self._panes[config.operator_id] = pane
        self.relayout()
        self.start_operator(config)

    @work(group="operators", exit_on_error=False)
    async def start_operator(self, config: OperatorConfig) -> None:
        op = config.operator_id
        pane = self.pane(op)
        if pane is not None:
            pane.show_status("starting workers…")
        self.call_after_refresh(self._request_frame_sizes)
        try:
            runner = await self.session.add(config, self.frame_request(op))
        except (WorkerError, LaunchError):  # shown on its pane; the app and the others go on
            self._show_failure(op)
            return
        if self.session.operators[op].error is not None:  # its recording failed meanwhile
            self._show_failure(op)
            return
        if pane is not None and config.has_human_agents():
            pane.take_keys(keymaps.game_keys(config.task, runner.labels))
            pane.show_legend(keymaps.legend(config.task, runner.labels))
        # Running or paused stays as the user left it: the session starts a new operator's
        # play loop itself when it is running (autorun only decides how the app starts).
        self.refresh_status()

    def _show_failure(self, op: str) -> None:
        """Why the operator stopped, on its pane (the session holds the message)."""
        entry = self.session.operators.get(op)
        pane = self.pane(op)
        if entry is not None and entry.error is not None and pane is not None:
            pane.show_error(self.error_text(op, entry.error))
            pane.show_status("error")
        self.refresh_status()

    def pane(self, operator_id: str) -> FramePane | None:
        """The operator's pane, or None once it is gone (removed, or the app is closing)."""
        pane = self._panes.get(operator_id)
        if pane is not None and pane.is_attached:
            return pane
        try:
            pane = self.query_one(f"#pane-{operator_id}", FramePane)
        except NoMatches:  # anything else is a bug, not a missing pane: let it show
            self._panes.pop(operator_id, None)
            return None
        self._panes[operator_id] = pane
        return pane

    def frame_request(self, operator_id: str) -> FrameRequest | None:
        pane = self.pane(operator_id)
        if pane is None:
            return None
        width, height = pane.pixel_box
        return FrameRequest(width, height)

    def _request_frame_sizes(self) -> None:
        for op in list(self.session.runners):
            request = self.frame_request(op)
            if request is not None:
                self.session.set_frame(op, request)

    def error_text(self, operator_id: str, message: str) -> str:
        return (
            f"[b red]error[/]\n{escape(message)}\n\ne edit, then Save, to restart it · x remove it"
        )

    # ------------------------------------------------------------------ runtime events
    # (the bridge from the runtime and the batches of redraws: `drawing.OperatorDrawing`)

    @on(OperatorChanged)
    def _operator_changed(self, message: OperatorChanged) -> None:
        """A state, an end or whose key: drawn at once. A step: its operator joins the next
        batch, drawn together with the others' at most every `drawing.STATUS_EVERY` s."""
        op = message.operator_id
        entry = self.session.operators.get(op)
        runner = entry.seat.runner if entry is not None and entry.seat is not None else None
        if message.run_id is not None and (runner is None or runner.run_id != message.run_id):
            return  # from a run that is gone (removed, or edited and restarted)
        if message.urgent:
            self._draw_due.pop(op, None)
            # the row at once if its state changed; an episode's number can wait for the list
            try:
                row = self.query_one(OperatorList).state_of(op) != message.view.state
            except NoMatches:  # the app is closing
                return
            self._draw_operator(op, message.view, row=row)
            if not row:
                self._rows_due.add(op)
                self._schedule_batch()
            return
        self._draw_due[op] = message.view  # the newest copy wins
        self._schedule_batch()

    @on(OperatorCrashed)
    def _crashed(self, message: OperatorCrashed) -> None:
        self._show_failure(message.failure.operator_id)  # the session has marked it

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A control that failed is reported, never a crash of the whole app."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.notify(
                escape(f"{type(error).__name__}: {error}"),
                title=event.worker.name,
                severity="error",
                timeout=10,
            )
            self.refresh_status()

    # ------------------------------------------------------------------ keys from panes

    @on(FramePane.HumanMove)
    def _human_move(self, message: FramePane.HumanMove) -> None:
        if self.pane(message.operator_id) is not None:
            self.play_key(message.operator_id, message.action)

    @on(FramePane.NextEpisode)
    def _next_episode(self, message: FramePane.NextEpisode) -> None:
        self.begin_next_episode(message.operator_id)

    @work(group="keys", exit_on_error=False)
    async def begin_next_episode(self, operator_id: str) -> None:
        """A key after an episode's end (its outcome was on screen) begins the next one."""
        refused = await self.session.next_episode(operator_id)
        if refused:
            self.notify(escape(refused), title=operator_id, severity="warning", timeout=2)
        self.refresh_operator(operator_id)

    @on(FramePane.NamedMove)
    def _named_move(self, message: FramePane.NamedMove) -> None:
        runner = self.session.runners.get(message.operator_id)
        moves = runner.moves if runner is not None else None
        if not moves:
            self.notify("no move is expected now", severity="warning", timeout=2)
            return
        lowered = {name.lower(): action for name, action in moves.items()}
        action = moves.get(message.move, lowered.get(message.move.lower()))
        if action is None:
            self.notify(
                escape(f"{message.move} is not a legal move here"), severity="warning", timeout=3
            )
            return
        self.play_key(message.operator_id, action)

    @work(group="keys", exit_on_error=False)
    async def play_key(self, operator_id: str, action: int) -> None:
        refused = await self.session.press(operator_id, action)
        if refused:
            self.notify(escape(refused), title=operator_id, severity="warning", timeout=2)
        self.refresh_operator(operator_id)

    @on(OperatorList.OptionSelected)
    def _row_selected(self, message: OperatorList.OptionSelected) -> None:
        pane = self.pane(str(message.option.id))
        if pane is not None:
            pane.focus()

    # ------------------------------------------------------------------ actions

    @work(group="controls", exclusive=True, exit_on_error=False)
    async def action_reset_all(self) -> None:
        self._request_frame_sizes()
        await self.session.reset_all()
        self.refresh_status()

    @work(group="controls", exclusive=True, exit_on_error=False)
    async def action_step_all(self) -> None:
        if self.session.running:
            self.session.pause()
        self._request_frame_sizes()
        if any(r.config.has_human_agents() for r in self.session.runners.values()):
            self.notify("waiting for the human player's key", timeout=2)
        await self.session.step_all()
        self.refresh_status()

    def action_toggle_run(self) -> None:
        self._request_frame_sizes()
        if self.session.running:
            self.session.pause()
        else:
            self.session.run()
        self.refresh_status()

    def action_faster(self) -> None:
        if not self.session.faster():
            self.notify("already the fastest pace: as fast as the workers go", timeout=3)
        self.refresh_status()

    def action_slower(self) -> None:
        if not self.session.slower():
            self.notify(f"already the slowest pace: {pace_text(self.session.pace)}", timeout=3)
        self.refresh_status()

    def action_toggle_colors(self) -> None:
        self.frame_colors = "256" if self.frame_colors == "truecolor" else "truecolor"
        for pane in self.query(FramePane):
            pane.set_colors(self.frame_colors)
        self.refresh_status()

    def action_results(self) -> None:
        from mosaic_tui.app.screens.results import ResultsScreen

        self.push_screen(ResultsScreen(self.results_db))

    def action_toggle_sidebar(self) -> None:
        self.sidebar_choice = not self.query_one("#sidebar").display
        self.relayout()

    def action_focus_list(self) -> None:
        """Escape: close the Keys panel if it is open, else back to the operator list."""
        if self.screen.query(HelpPanel):
            self.action_hide_help_panel()
            return
        self.query_one(OperatorList).focus()

    def selected(self) -> str | None:
        focused = self.focused
        if isinstance(focused, FramePane):
            return focused.operator_id
        return self.query_one(OperatorList).selected

    async def on_unmount(self) -> None:
        """However the app ends (q, the palette, an error, a test leaving `run_test`), its
        workers are stopped politely; quitting has usually done it already."""
        with contextlib.suppress(Exception):
            await self.session.stop_all()

    async def action_quit_anywhere(self) -> None:
        await self.action_quit()

    def action_help_quit(self) -> None:
        """ctrl+c does not quit (Textual's choice: it copies in a text box): say which key
        does here, in plain text (Textual's own notice is markup, and notices here are not)."""
        actions = {b.binding.action for b in self.active_bindings.values()}
        key = "q" if "quit" in actions else "ctrl+q"  # q is a move on a human's pane
        self.notify(f"Press {key} to stop every worker and quit", title="Do you want to quit?")

    async def action_quit(self) -> None:
        self.workers.cancel_all()  # pending adds, removes, keys: nothing touches the UI after
        await self.session.stop_all()
        if self.recorder is not None and self.recorder.pending:
            # The last writes are on their way (a moment), or another program holds the
            # database: then say so and wait a little (less when the terminal is gone);
            # whatever is left is reported by `mosaic-tui` on exit.
            if self.recorder.blocked:
                self.notify("waiting for the results database to take the last episodes")
            await self.recorder.drain(timeout=1.0 if self.ended_by is not None else DRAIN_WAIT)
        self.exit()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notices carry text from workers, files and the user: plain text unless asked. The
        same one is not stacked while a copy is on screen (`toasts.py`)."""
        shown_for = self.NOTIFICATION_TIMEOUT if timeout is None else timeout
        if self._toasts.admit((message, title, severity), time.monotonic(), shown_for):
            super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def _not_recorded(self, run_id: str, message: str) -> None:
        """Recording an operator's run failed for good: stop it, with the cause on its pane,
        rather than let it run on unrecorded."""
        for op, runner in self.session.runners.items():
            entry = self.session.operators[op]
            if runner.run_id == run_id and entry.error is None:
                self.session.fail(op, message)  # stops it (a starting one, once started)
                self._show_failure(op)
                self.notify(message, title=op, severity="error", timeout=15)
        self.refresh_status()

    # ------------------------------------------------------------------ the terminal

    def get_driver_class(self) -> type[Driver]:
        """On Linux, the driver that notices a terminal that hung up (see `app.driver`)."""
        if sys.platform.startswith("linux") and not os.environ.get("TEXTUAL_DRIVER"):
            from mosaic_tui.app.driver import TerminalDriver

            return TerminalDriver
        return super().get_driver_class()

    def _watch_signals(self) -> None:
        """SIGHUP (the terminal or SSH session closed) and SIGTERM end the app cleanly."""
        if self.is_headless:  # tests and screenshots: the test runner owns the signals
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.terminal_lost, sig)
            except (ValueError, RuntimeError, NotImplementedError):  # not the main thread
                pass

    def terminal_lost(self, sig: int = signal.SIGHUP) -> None:
        """Nobody can see or steer the app any more: stop the workers and exit now.

        Graceful first (workers told to stop, finished episodes are already committed); if
        that has not ended the process within `QUIT_DEADLINE` seconds, the workers are
        killed and the process ends anyway — a dropped SSH connection never leaves it behind.
        """
        if self.ended_by is not None:
            return
        self.ended_by = sig
        driver = self._driver
        if sig == signal.SIGHUP and driver is not None and hasattr(driver, "hung_up"):
            driver.hung_up.set()  # nothing more is written to a terminal that hung up
        deadline = threading.Timer(QUIT_DEADLINE, _kill_now, args=(int(sig),))
        deadline.daemon = True
        deadline.start()
        self.call_later(self.action_quit)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":  # ours says where it went, or why not
                yield command
        yield SystemCommand(
            "Screenshot",
            "Save an SVG of the screen in the current directory",
            lambda: self.set_timer(0.1, self.save_svg),
        )
        yield from binding_commands(self)

    def save_svg(self, directory: Path | None = None) -> Path | None:
        """Save the screen as SVG; say where, or why it could not be saved."""
        directory = directory or Path.cwd()
        try:
            path = Path(self.save_screenshot(path=str(directory)))
        except OSError as exc:
            self.notify(
                f"could not save a screenshot in {directory}: {exc.strerror or exc}",
                title="Screenshot",
                severity="error",
                timeout=8,
            )
            return None
        self.notify(f"saved {path}", title="Screenshot", timeout=5)
        return path
