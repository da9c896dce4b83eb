"""Row types of the telemetry store.

Frozen, slotted dataclasses: the recorder builds one ``StepRow`` per agent per step, so they
are small and immutable (safe to hand to the store after the episode ends). ``StepRow`` has
no ``run_id``: the store call supplies it once for the whole episode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One ``mosaic-tui run FILE`` invocation or one app session."""

    session_id: str
    started_at: float
    source: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunRow:
    """One operator (environment + its decision-makers) within a session."""

    run_id: str
    session_id: str
    operator_id: str
    display_name: str
    env_name: str
    task: str
    config: dict[str, Any]
    started_at: float
    ended_at: float | None = None
    status: str = "running"
    error: str | None = None


@dataclass(frozen=True, slots=True)
class EpisodeRow:
    """One finished episode; ``rewards`` holds per-agent returns for multi-agent envs."""

    run_id: str
    episode_index: int
    seed: int | None
    total_reward: float
    length: int
    terminated: bool
    truncated: bool
    started_at: float
    ended_at: float
    rewards: dict[str, float] | None = None
    success: bool | None = None


@dataclass(frozen=True, slots=True)
class StepRow:
    """One agent's transition within a step (several per step in multi-agent envs)."""

    episode_index: int
    step_index: int
    agent: str
    action: int | None
    reward: float
    terminated: bool
    truncated: bool
    extra: dict[str, Any] | None = None
