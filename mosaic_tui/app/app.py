"""The mosaic-tui app: operators on the left, their frames on the right, controls in the footer.

Widgets only draw; the `Session` (runtime layer) runs the operators as asyncio tasks on the
same loop, and every control is an action: a key in the footer and a command in the palette.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path

from rich.markup import escape
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from mosaic_tui.app.commands import binding_commands
from mosaic_tui.app.layout import (
    MIN_HEIGHT,
    MIN_WIDTH,
    best_columns,
    describe,
    keyboard_holder,
    pane_status,
)
from mosaic_tui.app.messages import BoardReady, FrameReady, OperatorCrashed
from mosaic_tui.app.operator_actions import OperatorActions
from mosaic_tui.app.widgets.frame_pane import FramePane
from mosaic_tui.app.widgets.operator_list import OperatorList
from mosaic_tui.core import OperatorConfig
from mosaic_tui.envs import keymaps
from mosaic_tui.protocol import FrameRequest
from mosaic_tui.runtime import (
    EpisodeStarted,
    LaunchError,
    Listener,
    Notice,
    OperatorFailed,
    RunnerEvent,
    Session,
    StepTaken,
    WorkerError,
)
from mosaic_tui.telemetry import Recorder


def _recording(recorder: Recorder) -> Callable[[OperatorConfig, str], Listener]:
    def begin(config: OperatorConfig, run_id: str) -> Listener:
        recorder.begin(config, run_id)
        return recorder

    return begin


class MosaicApp(OperatorActions, App[None]):
    CSS_PATH = "mosaic.tcss"
    TITLE = "mosaic-tui"
    BINDINGS = [
        Binding("r", "reset_all", "Reset all"),
        Binding("s", "step_all", "Step all"),
        Binding("space", "toggle_run", "Run/Pause"),
        Binding("plus,equals_sign", "faster", "+Pace", key_display="+"),
        Binding("minus", "slower", "-Pace", key_display="-"),
        Binding("a", "add", "Add"),
        Binding("e", "edit", "Edit"),
        Binding("c", "duplicate", "Copy", show=False),
        Binding("x", "remove", "Remove"),
        Binding("m", "toggle_colors", "256/truecolor", show=False),
        Binding("b", "toggle_sidebar", "Sidebar", show=False),
        Binding("escape", "focus_list", "Operators", show=False),
        Binding("q", "quit", "Quit"),
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
    ) -> None:
        super().__init__()
        self.initial = list(configs)
        self.session = Session(log_dir=log_dir, seed=seed, pace=pace)
        self.session.listeners.append(self._on_runner_event)
        if recorder is not None:
            self.session.on_new_run = _recording(recorder)
        self.autorun = autorun
        self.frame_colors = colors
        self.configs: dict[str, OperatorConfig] = {}
        self.errors: dict[str, str] = {}

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield Static("Operators", classes="heading")
                yield OperatorList(id="operators")
                yield Static("", id="session-info")
            yield Container(id="grid")
        yield Static("", id="too-small")
        yield Footer()

    async def on_mount(self) -> None:
        self.set_interval(0.25, self.refresh_status)
        for config in self.initial:
            self.add_operator(config)
        self.relayout()
        self.refresh_status()

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
                f"The terminal is {width}x{height}; mosaic-tui needs at least "
                f"{MIN_WIDTH}x{MIN_HEIGHT}.\nEnlarge the window (or use a smaller font)."
                "\n\nq quits"
            )
            return
        sidebar = self.query_one("#sidebar")
        sidebar_width = 30 if width >= 100 else 24
        sidebar.styles.width = sidebar_width
        panes = len(self.query(FramePane))
        grid = self.query_one("#grid", Container)
        grid_width = width - (sidebar_width if sidebar.display else 0)
        cols = best_columns(panes, grid_width, height - 1)
        grid.styles.grid_size_columns = cols
        grid.styles.grid_size_rows = max(1, math.ceil(panes / cols))
        self.call_after_refresh(self._request_frame_sizes)  # frames come at the new pane size

    # ------------------------------------------------------------------ operators

    def add_operator(self, config: OperatorConfig) -> None:
        self.configs[config.operator_id] = config
        pane = FramePane(
            config.operator_id,
            f"{config.operator_id} {describe(config)} · {config.task}",
            colors=self.frame_colors,
        )
        self.query_one("#grid").mount(pane)
        self.relayout()
        self.start_operator(config)

    @work(group="operators", exit_on_error=False)
    async def start_operator(self, config: OperatorConfig) -> None:
        pane = self.pane(config.operator_id)
        if pane is not None:
            pane.show_status("starting workers…")
        self.call_after_refresh(self._request_frame_sizes)
        try:
            await self.session.add(config, self.frame_request(config.operator_id))
        except Exception as exc:  # shown on its pane; the app and the others go on
            if not isinstance(exc, (WorkerError, LaunchError)):
                exc = LaunchError(f"{type(exc).__name__}: {exc}")
            self.errors[config.operator_id] = str(exc)
            if pane is not None:
                pane.show_error(self.error_text(config.operator_id, str(exc)))
                pane.show_status("error")
            self.refresh_status()
            return
        self.errors.pop(config.operator_id, None)
        runner = self.session.runners[config.operator_id]
        if pane is not None and any(a.is_human for a in config.workers.values()):
            pane.keys = keymaps.keymap(config.task, runner.labels)
            pane.show_legend(keymaps.legend(config.task, runner.labels))
        if self.autorun and not self.session.running:
            self.session.run()
        elif self.session.running:
            self.session.run()
        self.refresh_status()

    def pane(self, operator_id: str) -> FramePane | None:
        try:
            return self.query_one(f"#pane-{operator_id}", FramePane)
        except Exception:
            return None

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

    def _on_runner_event(self, event: RunnerEvent) -> None:
        """Called by the runners (same loop): hand frames to their panes, newest wins."""
        if isinstance(event, (StepTaken, EpisodeStarted)):
            pane = self.pane(event.operator_id)
            if pane is not None and event.frame is not None:
                pane.post_message(FrameReady(event.operator_id, event.frame))
            if pane is not None and event.board is not None:
                pane.post_message(BoardReady(event.operator_id, event.board))
        elif isinstance(event, OperatorFailed):
            self.post_message(OperatorCrashed(event))
        elif isinstance(event, Notice):
            self.notify(event.message, title=event.operator_id, severity="warning", timeout=6)

    @on(OperatorCrashed)
    def _crashed(self, message: OperatorCrashed) -> None:
        failure = message.failure
        self.errors[failure.operator_id] = failure.message
        pane = self.pane(failure.operator_id)
        if pane is not None:
            pane.show_error(self.error_text(failure.operator_id, failure.message))
            pane.show_status("error")
        self.refresh_status()

    def refresh_status(self) -> None:
        tables = self.query(OperatorList)
        if not tables:  # quitting: the widgets are gone, the timer not yet
            return
        table = tables.first()
        for op, config in self.configs.items():
            runner = self.session.runners.get(op)
            state = "error" if op in self.errors else (runner.state.value if runner else "pending")
            episode = runner.episode if runner else -1
            step = runner.step_index if runner else 0
            ret = runner.shown_return if runner else 0.0  # a human's own, not both sides
            table.upsert(op, f"{op} {describe(config)}", config.task, state, episode, step, ret)
            pane = self.pane(op)
            if pane is not None and runner is not None and op not in self.errors:
                keyboard = self.session.keyboards.get(op)
                awaiting = bool(keyboard and keyboard.waiting) or not self.session.running
                pane.follow(runner)  # last move, outcome, move box
                pane.show_status(
                    pane_status(
                        episode,
                        step,
                        ret,
                        state,
                        pane.fps,
                        human=pane.human,
                        awaiting_key=awaiting and runner.human_to_move,
                        holder=keyboard_holder(runner),
                    )
                )
        mode = "running" if self.session.running else "paused"
        self.query_one("#session-info", Static).update(
            f"Session\nseed  {self.session.seed}\npace  {self.session.pace:g} steps/s\n"
            f"state {mode}\ncolours {self.frame_colors}"
        )
        self.sub_title = f"seed {self.session.seed} · {mode}"

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A control that failed is reported, never a crash of the whole app."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.notify(
                f"{type(error).__name__}: {error}",
                title=event.worker.name,
                severity="error",
                timeout=10,
            )
            self.refresh_status()

    # ------------------------------------------------------------------ keys from panes

    @on(FramePane.HumanMove)
    def _human_move(self, message: FramePane.HumanMove) -> None:
        pane = self.pane(message.operator_id)
        if pane is None or message.key not in pane.keys:
            return
        self.play_key(message.operator_id, pane.keys[message.key])

    @on(FramePane.NextEpisode)
    def _next_episode(self, message: FramePane.NextEpisode) -> None:
        self.begin_next_episode(message.operator_id)

    @work(group="keys", exit_on_error=False)
    async def begin_next_episode(self, operator_id: str) -> None:
        """A key after an episode's end (its outcome was on screen) begins the next one."""
        refused = await self.session.next_episode(operator_id)
        if refused:
            self.notify(refused, title=operator_id, severity="warning", timeout=2)
        self.refresh_status()

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
            self.notify(f"{message.move} is not a legal move here", severity="warning", timeout=3)
            return
        self.play_key(message.operator_id, action)

    @work(group="keys", exit_on_error=False)
    async def play_key(self, operator_id: str, action: int) -> None:
        refused = await self.session.press(operator_id, action)
        if refused:
            self.notify(refused, title=operator_id, severity="warning", timeout=2)
        self.refresh_status()

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
        humans = [
            op
            for op, r in self.session.runners.items()
            if any(a.is_human for a in r.config.workers.values())
        ]
        if humans:
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
        self.session.pace = self.session.pace * 2
        self.refresh_status()

    def action_slower(self) -> None:
        self.session.pace = self.session.pace / 2
        self.refresh_status()

    def action_toggle_colors(self) -> None:
        self.frame_colors = "256" if self.frame_colors == "truecolor" else "truecolor"
        for pane in self.query(FramePane):
            pane.set_colors(self.frame_colors)
        self.refresh_status()

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one("#sidebar")
        sidebar.display = not sidebar.display
        self.relayout()

    def action_focus_list(self) -> None:
        self.query_one(OperatorList).focus()

    def selected(self) -> str | None:
        focused = self.focused
        if isinstance(focused, FramePane):
            return focused.operator_id
        return self.query_one(OperatorList).selected

    async def action_quit(self) -> None:
        self.workers.cancel_all()  # pending adds, removes, keys: nothing touches the UI after
        await self.session.stop_all()
        self.exit()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from binding_commands(self)
