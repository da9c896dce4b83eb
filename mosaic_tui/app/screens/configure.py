"""Configure an operator: family, task, limits, env settings, and who plays each slot.

Every field is checked where it is typed, and the env settings by actually building the env
(in a thread) before Save — a mistake is shown on its field, never as a crash.
"""

from __future__ import annotations

import asyncio
import contextlib

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Select, Static

from mosaic_tui.app.markup import escape
from mosaic_tui.app.screens.form_fields import (
    HostField,
    SettingsValidator,
    WholeNumber,
    format_settings,
    parse_settings,
    settings_problem,
)
from mosaic_tui.app.widgets.player_row import PlayerRow
from mosaic_tui.core import OperatorConfig
from mosaic_tui.core.config import MAX_STEPS, OBSERVATION_MODES
from mosaic_tui.core.hosts import HostError, check_host
from mosaic_tui.envs import (
    FAMILIES,
    env_settings,
    installed_families,
    make_env,
    player_slots,
    profiles,
    tasks,
)
from mosaic_tui.experiments.spec import MAX_SEED
from mosaic_tui.runtime.policies import found as policies_for

COMPACT_BELOW = 40  # rows
STEPPING = [("turn-based", "aec"), ("simultaneous", "parallel")]


class ConfigureScreen(ModalScreen[OperatorConfig | None]):
    BINDINGS = [
        ("escape", "cancel", "Cancel"),
        ("ctrl+s", "save", "Save"),
        # handled as the key arrives, not after the field before has had it: typed fast,
        # `12<tab>34` put 1234 in one field (the keys after tab reached the old field first)
        Binding("tab", "app.focus_next", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", show=False, priority=True),
    ]

    def __init__(self, operator_id: str, config: OperatorConfig | None = None) -> None:
        super().__init__()
        self.operator_id = operator_id
        self.config = config

    def compose(self) -> ComposeResult:
        cfg = self.config
        families = [(f.title, f.name) for f in installed_families()]
        family = cfg.env_name if cfg else "minigrid"
        with Vertical(id="dialog"):
            yield Static(f"Configure operator {self.operator_id}", classes="title")
            with Horizontal(classes="row"):
                yield Label("Name", classes="label")
                yield Input(
                    cfg.display_name if cfg else "", placeholder="a name to recognise it", id="name"
                )

            with Horizontal(classes="row"):
                yield Label("Family", classes="label")
                yield Select(families, value=family, allow_blank=False, id="family")
            with Horizontal(classes="row"):
                yield Label("Task", classes="label")
                yield Select(
                    self._task_options(family),
                    allow_blank=False,
                    id="task",
                    value=cfg.task if cfg else self._default_task(family),
                )
            with Horizontal(classes="row"):
                yield Label("Max steps", classes="label")
                yield Input(
                    str(cfg.max_steps) if cfg and cfg.max_steps else "",
                    id="max-steps",
                    placeholder="env default",
                    validators=[WholeNumber("Max steps", 1, MAX_STEPS)],
                    classes="short",
                )
                yield Label("Seed", classes="label")
                yield Input(
                    "" if cfg is None or cfg.seed is None else str(cfg.seed),
                    id="seed",
                    placeholder="shared",
                    validators=[WholeNumber("Seed", 0, MAX_SEED)],
                    classes="short",
                )
            with Horizontal(classes="row", id="stepping-row"):
                yield Label("Stepping", classes="label")
                yield Select(
                    STEPPING,
                    allow_blank=False,
                    value=cfg.execution_mode if cfg else "aec",
                    id="execution-mode",
                )
            with Horizontal(classes="row", id="multigrid-row"):
                yield Label("View size", classes="label")
                yield Input(
                    str(cfg.view_size) if cfg and cfg.view_size else "",
                    id="view-size",
                    placeholder="env default",
                    validators=[WholeNumber("View size", 3, 99)],
                    classes="short",
                )
                yield Label("Observation", classes="label")
                yield Select(
                    [(mode, mode) for mode in OBSERVATION_MODES],
                    allow_blank=False,
                    value=cfg.observation_mode if cfg else "visible_teammates",
                    id="observation-mode",
                )
            with Horizontal(classes="row"):
                yield Label("Env settings", classes="label")
                yield Input(
                    format_settings(cfg.env_settings) if cfg else "",
                    id="env-settings",
                    placeholder="e.g. is_slippery=false, map_name=8x8",
                    validators=[SettingsValidator()],
                )
            with Horizontal(classes="row"):
                yield Label("Host", classes="label")
                yield Input(
                    cfg.host or "" if cfg else "",
                    placeholder="here; or user@box: the env and its players run there, over ssh",
                    id="host",
                    validators=[HostField()],
                )
            yield Static("Players (from the environment)", classes="subtitle")
            yield Vertical(id="players")
            yield Static(
                "One row per player of the task, from the env itself. LLM players need an"
                " OpenAI-compatible endpoint (offline: python -m llm_worker.mock_server)."
                " Command runs any program, with {run_id} {task} {env_name} {seed} {player_id}"
                " {telemetry_dir} (docs/protocol.md, section 6). A player's own host (or local)"
                " overrides the operator's.",
                classes="note",
            )
            yield Static("", id="problems")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", variant="primary", id="save")
        yield Footer()  # this form's keys (Save, Cancel), not those of the screen below it

    def on_mount(self) -> None:
        self.fit_height()
        self.load_players(str(self.query_one("#task", Select).value))
        self.show_family_fields(str(self.query_one("#family", Select).value))
        self.query_one("#name", Input).focus()

    def show_family_fields(self, family: str) -> None:
        """Turn order only where a game has both forms; view and observation only for
        MultiGrid, the one family that has them."""
        self.query_one("#stepping-row").display = FAMILIES[family].kind == "aec"
        self.query_one("#multigrid-row").display = "view_size" in profiles.form_fields(family)

    @on(Select.Changed, "#task")
    def _task_changed(self, event: Select.Changed) -> None:
        self.load_players(str(event.value))

    def load_players(self, task: str) -> None:
        if task != getattr(self, "_players_task", None):  # the same task keeps its rows
            self._players_task = task
            self._loading = self._load_players(task)

    @work(exclusive=True, group="players")
    async def _load_players(self, task: str) -> None:
        """Rows for the task's own player ids (building a game env is quick; off the loop)."""
        try:
            slots = await asyncio.to_thread(player_slots, task)
            policies = [str(p) for p in await asyncio.to_thread(policies_for, task)]
        except Exception as exc:
            self.query_one("#problems", Static).update(f"[red]{escape(str(exc))}[/]")
            return
        if self.app.screen is not self:  # closed while the env was read: nothing to fill
            return
        known = self.config.workers if self.config and self.config.task == task else {}
        box = self.query_one("#players", Vertical)
        await box.remove_children()
        if self.app.screen is not self:  # closed meanwhile: a row mounted now would fail
            return
        await box.mount_all(
            PlayerRow(agent, known.get(agent), team, policies) for agent, team in slots.items()
        )
        self.fit_height()

    def on_resize(self) -> None:
        self.fit_height()

    def fit_height(self) -> None:
        """Under 40 rows, or wherever the form would not fit (a game of many players), the
        fields lose their borders (one row each), so the whole form, Save included, shows
        without scrolling where it can (an 80x24 terminal)."""
        compact = self.app.size.height < COMPACT_BELOW
        self._compact(compact)
        if not compact:
            self.call_after_refresh(self._compact_if_cut)

    def _compact_if_cut(self) -> None:
        if self.is_attached and self.query_one("#dialog").max_scroll_y > 0:
            self._compact(True)

    def _compact(self, compact: bool) -> None:
        self.query_one("#dialog").set_class(compact, "-compact")
        for widget in self.query("Input, Select, Button"):
            widget.compact = compact  # type: ignore[attr-defined]

    @staticmethod
    def _task_options(family: str) -> list[tuple[str, str]]:
        return [(t, t) for t in tasks(family)]

    @staticmethod
    def _default_task(family: str) -> str:
        names = tasks(family)
        return profiles.default_task(family, names) or names[0]

    @on(Select.Changed, "#family")
    def _family_changed(self, event: Select.Changed) -> None:
        family = str(event.value)
        self.show_family_fields(family)
        task = self.query_one("#task", Select)
        current, options = task.value, self._task_options(family)
        if current in dict(options).values():  # the form opened on this family: keep its task
            return
        task.set_options(options)
        task.value = self._default_task(family)

    @on(Button.Pressed, "#cancel")
    async def action_cancel(self) -> None:
        await self.rows_settled()
        self.dismiss(None)

    async def rows_settled(self) -> None:
        """Wait for the player rows being mounted: a screen closed halfway through mounting
        them fails inside Textual's Select (seen under load)."""
        loading = getattr(self, "_loading", None)
        if loading is not None and loading.is_running:
            with contextlib.suppress(Exception):  # cancelled or failed: it said so itself
                await loading.wait()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        self.check_and_save()

    @work(exclusive=True)
    async def check_and_save(self) -> None:
        problems = self.query_one("#problems", Static)
        await self.rows_settled()  # ctrl+s at once after `e`: the rows are still coming
        await asyncio.sleep(0)  # ... and their selects take their values as they mount
        invalid = [
            i
            for i in self.query(Input)
            if i.validators
            and not isinstance(i.parent, PlayerRow)  # rows check only the fields they show
            and all(getattr(w, "display", True) for w in i.ancestors_with_self)  # hidden: skip
            and not i.validate(i.value).is_valid
        ]
        try:
            host = check_host(self.query_one("#host", Input).value)
        except HostError:
            host = None  # marked on its own field, below
        players = [p for row in self.query(PlayerRow) for p in row.problems(host or None)]
        if players and not invalid:
            problems.update("[red]Fix the players:[/] " + escape(". ".join(players)) + ".")
            return
        if invalid:
            found = [d for i in invalid for d in i.validate(i.value).failure_descriptions]
            problems.update("[red]Fix the marked fields:[/] " + escape(". ".join(found)) + ".")
            invalid[0].focus()
            return
        try:
            config = self.build()
        except (ValueError, TypeError) as exc:
            problems.update(f"[red]{escape(str(exc))}[/]")
            return
        problems.update("checking the environment…")
        try:  # build the env once, off the event loop, so bad settings are caught here
            settings = env_settings(
                config.task,
                config.env_settings,
                view_size=config.view_size,
                observation_mode=config.observation_mode if config.is_multiagent else None,
            )
            env = await asyncio.to_thread(
                make_env,
                config.task,
                render_mode=None,
                execution_mode=config.execution_mode,
                **settings,
            )
            env.close()
        except Exception as exc:  # whatever the env raised, it is shown here, not a crash
            problems.update(f"[red]env settings: {escape(settings_problem(config.task, exc))}[/]")
            self.query_one("#env-settings", Input).focus()
            return
        self.dismiss(config)

    def build(self) -> OperatorConfig:
        value = lambda selector: self.query_one(selector, Input).value.strip()  # noqa: E731
        workers = {row.agent: row.assignment() for row in self.query(PlayerRow)}
        if not workers:
            raise ValueError("the players are still loading; try again in a moment")
        task = str(self.query_one("#task", Select).value)
        family = str(self.query_one("#family", Select).value)
        kind = FAMILIES[family].kind
        mode = str(self.query_one("#execution-mode", Select).value) if kind == "aec" else "aec"
        multigrid = "view_size" in profiles.form_fields(family)
        return OperatorConfig(
            operator_id=self.operator_id,
            display_name=value("#name") or task,
            env_name=family,
            task=task,
            workers=workers,
            execution_mode="parallel" if kind == "parallel" else mode,
            view_size=int(value("#view-size")) if multigrid and value("#view-size") else None,
            observation_mode=(
                str(self.query_one("#observation-mode", Select).value)
                if multigrid
                else "visible_teammates"
            ),
            max_steps=int(value("#max-steps")) if value("#max-steps") else None,
            seed=int(value("#seed")) if value("#seed") else None,
            env_settings=parse_settings(value("#env-settings")),
            host=check_host(value("#host")) or None,
        )
