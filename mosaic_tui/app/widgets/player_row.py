"""One row of the player-assignment panel: a player slot, who plays it, and only the settings
that type needs (a baseline's behaviour, an LLM's model and endpoint; a human needs none)."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.suggester import SuggestFromList
from textual.validation import Function, Regex
from textual.widgets import Input, Label, Select

from mosaic_tui.core import WorkerAssignment
from mosaic_tui.core.hosts import HostError, check_host
from mosaic_tui.protocol.worker_settings import BEHAVIORS as BEHAVIOR_NAMES
from mosaic_tui.protocol.worker_settings import LLM_WORKER, default
from mosaic_tui.runtime import command_line
from mosaic_tui.runtime.launcher import CATALOG

PLAYER_TYPES = [
    ("Baseline", "baseline"),
    ("Human (keyboard)", "human"),
    ("LLM", "llm"),
    ("VLM (sees the frame)", "vlm"),
    ("RL policy", "rl"),
    ("Command", "command"),  # any program (a reference worker, say): command_line.py
]
COMMAND_EXAMPLE = "python -m random_worker --run-id {run_id} --task {task} --interactive"
BEHAVIORS = [(name, name) for name in BEHAVIOR_NAMES]  # the workers' declared choices
DEFAULT_URL: str = default(LLM_WORKER, "base_url")


class PlayerRow(Horizontal):
    def __init__(
        self,
        agent: str,
        assignment: WorkerAssignment | None = None,
        team: str | None = None,
        policies: list[str] | None = None,
    ) -> None:
        super().__init__(id=f"player-{agent}", classes="row player")
        self.agent = agent
        self.team = team
        self.kind = assignment.worker_type if assignment else "baseline"
        # a command player keeps the type its file gave it (an RL program is still RL)
        self.command_type = self.kind if self.kind != "human" else "baseline"
        if assignment is not None and assignment.worker_id == command_line.COMMAND_WORKER:
            self.kind = "command"
        if assignment is not None and assignment.worker_id in plugin_players():
            self.kind = assignment.worker_id
        if self.kind not in {value for _, value in player_types()}:
            self.kind = "baseline"  # a type the form has no row for (vlm) plays a baseline
        settings = assignment.settings if assignment else {}
        # settings the row has no field for (an LLM's temperature, an RL player's mode) are kept
        language = ("model", "base_url")
        fields = {"llm": language, "vlm": language, "rl": ("policy_path",)}.get(self.kind)
        self.kept = {k: v for k, v in settings.items() if fields and k not in fields}
        self.behavior = settings.get("behavior", "random") if self.kind == "baseline" else "random"
        if self.behavior not in BEHAVIOR_NAMES:  # a file's typo: offered the default to fix
            self.behavior = "random"
        talks = self.kind in ("llm", "vlm")
        self.model = str(settings.get("model", "")) if talks else ""
        self.base_url = str(settings.get("base_url", DEFAULT_URL)) if talks else ""
        self.command = str(settings.get("command", "")) if self.kind == "command" else ""
        # the policy files trained on this task (runtime/policies.py); the first is offered
        self.policies = policies or []
        chosen = settings.get("policy_path") if self.kind == "rl" else None
        self.policy = str(chosen or (self.policies[0] if self.policies else ""))
        self.dialect = str(settings.get("dialect", "auto")) if self.kind == "command" else "auto"
        # where its worker runs: None as the operator says, "" this machine (core/hosts.py)
        self.host = assignment.host if assignment else None

    def compose(self) -> ComposeResult:
        yield Label(f"{self.agent} ({self.team})" if self.team else self.agent, classes="label")
        yield Select(player_types(), allow_blank=False, value=self.kind, classes="type")
        yield Select(BEHAVIORS, allow_blank=False, value=self.behavior, classes="behavior")
        yield Input(
            self.model,
            placeholder="model",
            classes="model",
            validators=[Function(str.strip, "an LLM player needs a model name")],
        )
        yield Input(
            self.base_url or DEFAULT_URL,
            placeholder=DEFAULT_URL,
            classes="base-url",
            validators=[
                Regex(
                    r"^https?://\S+$",
                    failure_description="the base URL must start with http:// or https://",
                )
            ],
        )
        yield Input(
            self.policy,
            placeholder="policy file (.npz): none found for this task",
            classes="policy",
            suggester=SuggestFromList(self.policies, case_sensitive=True),
        )
        yield Input(
            self.command,
            placeholder=COMMAND_EXAMPLE,
            classes="command",
            validators=[Function(_usable_command, "")],
        )
        yield Input(
            "local" if self.host == "" else self.host or "",
            placeholder="as operator",
            classes="host",
            validators=[Function(_usable_host, "a host is user@box, box or local")],
        )

    def on_mount(self) -> None:
        self.show_fields(self.kind)

    @on(Select.Changed, ".type")
    def _type_changed(self, event: Select.Changed) -> None:
        self.show_fields(str(event.value))

    def show_fields(self, kind: str) -> None:
        self.query_one(".behavior", Select).display = kind == "baseline"
        for box in self.query(".model, .base-url"):
            box.display = kind in ("llm", "vlm")
        self.query_one(".command", Input).display = kind == "command"
        self.query_one(".policy", Input).display = kind == "rl"
        self.query_one(".host", Input).display = kind != "human"

    def chosen_host(self) -> str | None:
        """The host typed in this row: None (empty: the operator's), "" (local) or a host."""
        text = self.query_one(".host", Input).value.strip()
        return check_host(text) if text else None

    def problems(self, operator_host: str | None = None) -> list[str]:
        """What must be fixed before Save: only the fields this player type uses count.
        Files and programs of a player on another host are on that host: not looked for."""
        kind = str(self.query_one(".type", Select).value)
        if kind != "human":
            try:
                own = self.chosen_host()
            except HostError as exc:
                return [f"{self.agent}: {exc}"]
            remote = bool(own if own is not None else operator_host)
        if kind == "rl":
            path = self.query_one(".policy", Input).value.strip()
            if not path:
                return [f"{self.agent}: an RL player needs a policy file (.npz)"]
            if not remote and not Path(path).expanduser().is_file():
                return [f"{self.agent}: no policy file {path!r}"]
            return []
        if kind == "command":
            try:
                command = self.query_one(".command", Input).value
                command_line.check(command, self.dialect, look=not remote)
            except command_line.CommandError as exc:
                return [f"{self.agent}: {exc}"]
            return []
        if kind not in ("llm", "vlm"):
            return []
        found = []
        for box in self.query(".model, .base-url"):
            result = box.validate(box.value)
            if result is not None and not result.is_valid:
                found += [f"{self.agent}: {d}" for d in result.failure_descriptions]
        return found

    def assignment(self) -> WorkerAssignment:
        """Who plays this slot; ValueError while the row's selects have no value yet."""
        if not all(isinstance(box.value, str) for box in self.query(Select)):
            raise ValueError("the players are still loading; try again in a moment")
        kind = str(self.query_one(".type", Select).value)
        if kind == "human":
            return WorkerAssignment("human", "human", {})
        chosen = self._assignment(kind)
        chosen.host = self.chosen_host()
        return chosen

    def _assignment(self, kind: str) -> WorkerAssignment:
        if kind == "command":
            command = self.query_one(".command", Input).value.strip()
            settings = {"command": command, "dialect": self.dialect}
            return WorkerAssignment(command_line.COMMAND_WORKER, self.command_type, settings)
        if kind == "rl":
            path = self.query_one(".policy", Input).value.strip()
            if Path(path).expanduser().is_file():  # here: absolute, read from any folder
                path = str(Path(path).expanduser().resolve())  # (a remote one stays as typed)
            return WorkerAssignment("rl_worker", "rl", {**self.kept, "policy_path": path})
        if kind in plugin_players():  # a plugin's player: its own command line, no settings
            return WorkerAssignment(kind, CATALOG[kind].worker_types[0], {})
        if kind in ("llm", "vlm"):
            return WorkerAssignment(
                "llm_worker",
                kind,
                {
                    **self.kept,
                    "model": self.query_one(".model", Input).value.strip(),
                    "base_url": self.query_one(".base-url", Input).value.strip(),
                },
            )
        behavior = str(self.query_one(".behavior", Select).value)
        return WorkerAssignment("baseline_worker", "baseline", {"behavior": behavior})


def _usable_host(text: str) -> bool:
    try:
        check_host(text)
    except HostError:
        return False
    return True


def _usable_command(text: str) -> bool:
    try:
        command_line.check(text)
    except command_line.CommandError:
        return False
    return True


def plugin_players() -> dict[str, str]:
    """Decision workers other packages add (entry points): worker id -> display name."""
    return {
        worker_id: definition.display_name
        for worker_id, definition in CATALOG.items()
        if definition.source and definition.role == "decision" and definition.worker_types
    }


def player_types() -> list[tuple[str, str]]:
    """The type choices: the built-in ones, then every plugin's player by name."""
    plugins = [(f"Plugin: {name}", worker_id) for worker_id, name in plugin_players().items()]
    return [*PLAYER_TYPES, *plugins]
