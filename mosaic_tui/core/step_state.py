"""Action collection for one simultaneous multi-agent step.

In parallel environments nothing may step until every player has chosen; humans answer
later than AI players, so the runner keeps this record while it waits for key presses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["MultiAgentStepState"]


@dataclass
class MultiAgentStepState:
    """Actions gathered so far for step ``step_id``."""

    step_id: int
    human_agents: list[str] = field(default_factory=list)
    ai_agents: list[str] = field(default_factory=list)
    pending_actions: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.human_agents = list(self.human_agents)
        self.ai_agents = list(self.ai_agents)
        both = set(self.human_agents) & set(self.ai_agents)
        if both:
            raise ValueError(f"agents cannot be both human and AI: {sorted(both)}")
        self.pending_actions = dict(self.pending_actions)
        for agent_id in self.pending_actions:
            self._check_known(agent_id)

    def _check_known(self, agent_id: str) -> None:
        if agent_id not in self.human_agents and agent_id not in self.ai_agents:
            raise ValueError(
                f"unknown agent {agent_id!r} for step {self.step_id}; "
                f"expected one of {self.human_agents + self.ai_agents}"
            )

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

    def get_all_actions(self) -> dict[str, Any]:
        """A copy, so the caller can hand it to the environment while this record lives on."""
        return dict(self.pending_actions)
