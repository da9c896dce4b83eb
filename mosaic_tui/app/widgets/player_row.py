"""One row of the player-assignment panel: a player slot, who plays it, and only the settings
that type needs (a baseline's behaviour; a human needs none)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Select

from mosaic_tui.core import WorkerAssignment

PLAYER_TYPES = [("Baseline", "baseline"), ("Human (keyboard)", "human")]
BEHAVIORS = [("random", "random"), ("noop", "noop"), ("cycling", "cycling")]


class PlayerRow(Horizontal):
    def __init__(
        self, agent: str, assignment: WorkerAssignment | None = None, team: str | None = None
    ) -> None:
        super().__init__(id=f"player-{agent}", classes="row player")
        self.agent = agent
        self.team = team
        self.kind = assignment.worker_type if assignment else "baseline"
        if self.kind not in dict(map(reversed, PLAYER_TYPES)):  # type: ignore[arg-type]
            self.kind = "baseline"  # RL / LLM workers do not ship yet
        self.behavior = (
            assignment.settings.get("behavior", "random")
            if assignment and assignment.worker_type == "baseline"
            else "random"
        )

    def compose(self) -> ComposeResult:
        yield Label(f"{self.agent} ({self.team})" if self.team else self.agent, classes="label")
        yield Select(PLAYER_TYPES, allow_blank=False, value=self.kind, classes="type")
        behavior = Select(BEHAVIORS, allow_blank=False, value=self.behavior, classes="behavior")
        behavior.display = self.kind == "baseline"
        yield behavior

    @on(Select.Changed, ".type")
    def _type_changed(self, event: Select.Changed) -> None:
        self.query_one(".behavior", Select).display = event.value == "baseline"

    def assignment(self) -> WorkerAssignment:
        kind = str(self.query_one(".type", Select).value)
        if kind == "human":
            return WorkerAssignment("human", "human", {})
        behavior = str(self.query_one(".behavior", Select).value)
        return WorkerAssignment("baseline_worker", "baseline", {"behavior": behavior})
