"""The mosaic-tui app: operators on the left, their frames on the right, controls in the footer.

Widgets only draw; the `Session` (runtime layer) runs the operators as asyncio tasks on the
same loop, and every control is an action: a key in the footer and a command in the palette.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.driver import Driver
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import HelpPanel, Static
from textual.worker import Worker, WorkerState

from mosaic_tui.app.commands import OperatorCommands, system_commands
from mosaic_tui.app.drawing import OperatorDrawing
from mosaic_tui.app.layout import pace_text, pane_title
from mosaic_tui.app.markup import escape
from mosaic_tui.app.messages import OperatorChanged, OperatorCrashed
from mosaic_tui.app.operator_actions import OperatorActions
from mosaic_tui.app.recording import AppRecording
from mosaic_tui.app.screen_layout import ScreenLayout
from mosaic_tui.app.terminal import driver_class, leave_terminal, watch_signals
from mosaic_tui.app.toasts import ToastGate
from mosaic_tui.app.widgets.footer import KeyFooter
from mosaic_tui.app.widgets.frame_pane import FramePane
from mosaic_tui.app.widgets.kept import KeptContainer, KeptHorizontal, KeptVertical
from mosaic_tui.app.widgets.operator_list import OperatorList
from mosaic_tui.core import OperatorConfig, plugins
from mosaic_tui.envs import keymaps
from mosaic_tui.runtime import LaunchError, Session, WorkerError
from mosaic_tui.telemetry import Recorder

OPENS_A_SCREEN = frozenset({"add", "edit", "duplicate", "remove", "results"})


class MosaicApp(OperatorActions, App[None]):
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
        Binding("v", "results", "Results", tooltip="Recorded sessions: their reports and plots"),
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
        self.drawing = OperatorDrawing(self)  # what the screen shows of the operators
        self.screen_layout = ScreenLayout(self)  # where it shows it, for the terminal's size
        self.session.listeners.append(self.drawing.on_runner_event)
        #: the recorder's link to the session, when the app records
        self.recording = AppRecording(self, recorder) if recorder is not None else None
        #: the database the results screen reads: the one being recorded into, else the given
        self.results_db = Path(str(recorder.store.path)) if recorder is not None else results_db
        self.autorun = autorun
        self.frame_colors = colors
        self._panes: dict[str, FramePane] = {}  # by operator id: no DOM query per frame
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
        if not self.is_headless:  # tests and screenshots: the test runner owns the signals
            watch_signals(self.terminal_lost)
        if self.autorun:
            self.session.run()  # operators join the running session as they finish starting
        for config in self.initial:
            self.add_operator(config)
        self.screen_layout.relayout()
        self.drawing.refresh_status()
        for problem in plugins.broken():  # skipped, never fatal: but said
            self.notify(
                escape(f"{problem}\n(mosaic-tui workers lists the plugins)"),
                title="plugin skipped",
                severity="warning",
                timeout=12,
            )

    def on_resize(self) -> None:
        # once the new size has reached the screen
        self.call_after_refresh(self.screen_layout.relayout)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Too small a terminal shows only what to do about it: a form or the results would
        open cut off, with Save out of reach. Running, pausing and quitting still work."""
        if action in OPENS_A_SCREEN and self.screen_layout.too_small:
            return False
        return True

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
        self.screen_layout.relayout()
        self.start_operator(config)

    @work(group="operators", exit_on_error=False)
    async def start_operator(self, config: OperatorConfig) -> None:
        op = config.operator_id
        pane = self.pane(op)
        if pane is not None:
            pane.show_status("starting workers…")
        self.call_after_refresh(self.screen_layout.request_frame_sizes)
        try:
            runner = await self.session.add(config, self.screen_layout.frame_request(op))
        except (WorkerError, LaunchError):  # shown on its pane; the app and the others go on
            self.drawing.show_failure(op)
            return
        if self.session.operators[op].error is not None:  # its recording failed meanwhile
            self.drawing.show_failure(op)
            return
        if pane is not None and config.has_human_agents():
            pane.take_keys(keymaps.game_keys(config.task, runner.labels))
            pane.show_legend(keymaps.legend(config.task, runner.labels))
        # Running or paused stays as the user left it: the session starts a new operator's
        # play loop itself when it is running (autorun only decides how the app starts).
        self.drawing.refresh_status()

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

    # ------------------------------------------------------------------ runtime events
    # (the bridge from the runtime and the batches of redraws: `drawing.OperatorDrawing`)

    @on(OperatorChanged)
    def _operator_changed(self, message: OperatorChanged) -> None:
        self.drawing.operator_changed(message)

    @on(OperatorCrashed)
    def _crashed(self, message: OperatorCrashed) -> None:
        self.drawing.show_failure(message.failure.operator_id)  # the session has marked it

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
            self.drawing.refresh_status()

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
        self.drawing.refresh_operator(operator_id)

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
        self.drawing.refresh_operator(operator_id)

    @on(OperatorList.OptionSelected)
    def _row_selected(self, message: OperatorList.OptionSelected) -> None:
        pane = self.pane(str(message.option.id))
        if pane is not None:
            pane.focus()

    # ------------------------------------------------------------------ actions

    @work(group="controls", exclusive=True, exit_on_error=False)
    async def action_reset_all(self) -> None:
        self.screen_layout.request_frame_sizes()
        await self.session.reset_all()
        self.drawing.refresh_status()

    @work(group="controls", exclusive=True, exit_on_error=False)
    async def action_step_all(self) -> None:
        if self.session.running:
            self.session.pause()
        self.screen_layout.request_frame_sizes()
        if any(r.config.has_human_agents() for r in self.session.runners.values()):
            self.notify("waiting for the human player's key", timeout=2)
        await self.session.step_all()
        self.drawing.refresh_status()

    def action_toggle_run(self) -> None:
        self.screen_layout.request_frame_sizes()
        if self.session.running:
            self.session.pause()
        else:
            self.session.run()
        self.drawing.refresh_status()

    def action_faster(self) -> None:
        if not self.session.faster():
            self.notify("already the fastest pace: as fast as the workers go", timeout=3)
        self.drawing.refresh_status()

    def action_slower(self) -> None:
        if not self.session.slower():
            self.notify(f"already the slowest pace: {pace_text(self.session.pace)}", timeout=3)
        self.drawing.refresh_status()

    def action_toggle_colors(self) -> None:
        self.frame_colors = "256" if self.frame_colors == "truecolor" else "truecolor"
        for pane in self.query(FramePane):
            pane.set_colors(self.frame_colors)
        self.drawing.refresh_status()

    def action_results(self) -> None:
        from mosaic_tui.app.screens.results import ResultsScreen

        self.push_screen(ResultsScreen(self.results_db))

    def action_toggle_sidebar(self) -> None:
        self.screen_layout.toggle_sidebar()

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
        if self.recording is not None:
            await self.recording.drain(terminal_lost=self.ended_by is not None)
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

    # ------------------------------------------------------------------ the terminal

    def get_driver_class(self) -> type[Driver]:
        return driver_class() or super().get_driver_class()  # `terminal.driver_class`

    def terminal_lost(self, sig: int = signal.SIGHUP) -> None:
        """Nobody can see or steer the app any more: stop the workers and exit now (the
        driver calls it too). Graceful first; `terminal.leave_terminal` sets the deadline."""
        if self.ended_by is not None:
            return
        self.ended_by = sig
        leave_terminal(self._driver, sig)
        self.call_later(self.action_quit)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from system_commands(self, super().get_system_commands(screen))  # `commands.py`
