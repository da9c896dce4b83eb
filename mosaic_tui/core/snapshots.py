"""Plain records passed to decision-makers after a step and at the end of an episode.

They carry data only, so the runner can build them without knowing who consumes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["EpisodeSummary", "StepSnapshot"]


@dataclass(slots=True)
class StepSnapshot:
    """What one agent saw after one environment step."""

    step_index: int
    observation: Any
    reward: float
    terminated: bool
    truncated: bool
    seed: int | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        """True when the episode is over for this agent, whichever way it ended."""
        return self.terminated or self.truncated


@dataclass(slots=True)
class EpisodeSummary:
    """Totals for one finished episode of one agent."""

    episode_index: int
    total_reward: float
    steps: int
    metadata: dict[str, Any] = field(default_factory=dict)
