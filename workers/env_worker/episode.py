"""What the environment worker keeps between commands: its options and the episode in play."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mosaic_tui.protocol import FrameRequest
from mosaic_tui.protocol.stepping import SteppingParadigm


@dataclass
class WorkerOptions:
    run_id: str
    env_id: str
    policy: str = "random"
    max_steps: int | None = None
    frame: FrameRequest | None = None
    env_settings: dict[str, Any] = field(default_factory=dict)
    stepping: SteppingParadigm = SteppingParadigm.SINGLE_AGENT
    warm_up: str | None = None  # said before the first reset when that one is slow
    policy_path: str | None = None  # a trained policy file plays instead of the baseline
    policy_mode: str = "greedy"
    policy_seed: int | None = None


@dataclass
class Episode:
    index: int
    seed: int | None
    max_steps: int | None
    frame: FrameRequest | None
    observe: bool
    auto_reset: bool
    t: int = 0
    total: float = 0.0
    done: bool = False
    obs: Any = None
    mask: list[int] | None = None
    to_move: str | None = None  # turn-based games: whose move it is
    totals: dict[str, float] | None = None  # multi-agent: each agent's return so far
    live: list[str] | None = None  # simultaneous games: who acts in the next step
    masks: dict[str, list[int]] | None = None  # simultaneous games: legal actions per agent


class Stopping(Exception):
    """Leave the serve loop (stop command or stdin closed)."""
