"""Action collection for one simultaneous multi-agent step.

In parallel environments nothing may step until every player has chosen; humans answer
later than AI players, so the runner keeps this record while it waits for key presses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mosaic_tui.core.config import OperatorConfig

__all__ = ["MultiAgentStepState"]


@dataclass
class MultiAgentStepState:
    """Actions gathered so far for step ``step_id``.

    ``ai_actions_ready`` is kept up to date by :meth:`add_action`; with no AI players it is
    True from the start, so a human-only step never waits for AI answers.
    """

    step_id: int
    human_agents: list[str] = field(default_factory=list)
    ai_agents: list[str] = field(default_factory=list)
    pending_actions: dict[str, Any] = field(default_factory=dict)
    ai_actions_ready: bool = False

    def __post_init__(self) -> None:
        self.human_agents = list(self.human_agents)
        self.ai_agents = list(self.ai_agents)
        both = set(self.human_agents) & set(self.ai_agents)
        if both:
            raise ValueError(f"agents cannot be both human and AI: {sorted(both)}")
        self.pending_actions = dict(self.pending_actions)
        for agent_id in self.pending_actions:
            self._check_known(agent_id)
        self._refresh_ready()

    def _check_known(self, agent_id: str) -> None:
        if agent_id not in self.human_agents and agent_id not in self.ai_agents:
            raise ValueError(
                f"unknown agent {agent_id!r} for step {self.step_id}; "
                f"expected one of {self.human_agents + self.ai_agents}"
            )

    def _refresh_ready(self) -> None:
        self.ai_actions_ready = not self.pending_ai_agents()

    def is_complete(self) -> bool:
        """True once every human and AI player has an action recorded."""
        return not self.pending_human_agents() and not self.pending_ai_agents()

    def pending_human_agents(self) -> list[str]:
        return [a for a in self.human_agents if a not in self.pending_actions]

    def pending_ai_agents(self) -> list[str]:
        return [a for a in self.ai_agents if a not in self.pending_actions]

    def add_action(self, agent_id: str, action: Any) -> None:
        """Record (or replace) ``agent_id``'s action; unknown agents are a bug, so they raise."""
        self._check_known(agent_id)
        self.pending_actions[agent_id] = action
        self._refresh_ready()

    def get_all_actions(self) -> dict[str, Any]:
        """A copy, so the caller can hand it to the environment while this record lives on."""
        return dict(self.pending_actions)

    @classmethod
    def from_config(cls, config: OperatorConfig, step_id: int) -> MultiAgentStepState:
        return cls(
            step_id=step_id,
            human_agents=config.get_human_agents(),
            ai_agents=config.get_ai_agents(),
        )
