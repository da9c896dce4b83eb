"""What a runner tells its listeners: the telemetry recorder, the app's panes, the CLI.

The runner imports none of them; each listener takes the events it cares about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mosaic_tui.protocol import Frame


@dataclass(frozen=True, slots=True)
class RunnerEvent:
    operator_id: str
    run_id: str


@dataclass(frozen=True, slots=True)
class EpisodeStarted(RunnerEvent):
    episode: int
    seed: int | None
    at: float
    frame: Frame | None = None
    board: list[str] | None = None  # board games: the position as text


@dataclass(frozen=True, slots=True)
class StepTaken(RunnerEvent):
    episode: int
    step_index: int
    agent: str
    action: Any
    reward: float
    terminated: bool
    truncated: bool
    episode_return: float
    frame: Frame | None = None
    rewards: dict[str, float] | None = None
    action_label: str | None = None
    board: list[str] | None = None
    actions: dict[str, Any] | None = None  # simultaneous games: every agent's action
    # what decision workers asked to keep about this step's decisions (an LLM's prompt hash,
    # answer, retries, tokens, latency, fallback), by agent
    decisions: dict[str, dict[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class FrameDrawn(RunnerEvent):
    """The current picture, drawn without a step: a paused stream whose last steps left
    theirs out (`frame_pacing.py`). Nothing to record: the step was told already."""

    episode: int
    step_index: int
    frame: Frame


@dataclass(frozen=True, slots=True)
class EpisodeEnded(RunnerEvent):
    episode: int
    seed: int | None
    total_reward: float
    length: int
    terminated: bool
    truncated: bool
    started_at: float
    ended_at: float
    rewards: dict[str, float] | None = None

    @property
    def success(self) -> bool:
        """Reached the goal: ended by the env (not a time limit) with a positive return."""
        return self.terminated and self.total_reward > 0


@dataclass(frozen=True, slots=True)
class StateChanged(RunnerEvent):
    state: str  # an OperatorState value
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class OperatorFailed(RunnerEvent):
    message: str
    log_path: Path | None = None
    log_tail: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Asked(RunnerEvent):
    """The coming step waits for these players' choices (told while a human is among them,
    so a pane can say whose key it is and, in a simultaneous game, who is still to choose)."""

    agents: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Thinking(RunnerEvent):
    """These AI players have been deciding for a while (`stepping.SLOW_DECISION`): an LLM
    waiting on its endpoint. Their step (or the operator's failure) ends it."""

    agents: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Notice(RunnerEvent):
    """Something the user should know that does not stop the operator."""

    message: str
    session_wide: bool = False  # about every operator, not the one that raised it


Listener = Callable[[RunnerEvent], None]
