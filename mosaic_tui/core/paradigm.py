"""How the players of an environment take their turns.

The runner needs one answer to "ask players in turn or all at once?"; deriving it from the
operator config in one place keeps the app, the headless runner and the tests in agreement.
"""

from __future__ import annotations

from enum import Enum

# Execution modes an operator config may declare ("aec" = turn-based, "parallel" =
# simultaneous): the env worker's --execution-mode choices, declared once with its settings.
from mosaic_tui.protocol.worker_settings import EXECUTION_MODES

__all__ = ["EXECUTION_MODES", "SteppingParadigm"]


class SteppingParadigm(str, Enum):
    """Stepping paradigm; a ``str`` enum so it survives JSON and telemetry unchanged."""

    SINGLE_AGENT = "single_agent"
    SEQUENTIAL = "sequential"  # PettingZoo AEC: one agent acts per step
    SIMULTANEOUS = "simultaneous"  # PettingZoo parallel / POSG: all agents act per step
    HIERARCHICAL = "hierarchical"  # reserved: never derived from an execution mode

    @classmethod
    def from_execution_mode(cls, mode: str, n_agents: int) -> SteppingParadigm:
        """Map an operator's execution mode and player count to a paradigm.

        A single player is always SINGLE_AGENT whatever the mode, so single-agent configs
        that keep the default ``"aec"`` are not mistaken for turn-based games.
        """
        if mode not in EXECUTION_MODES:
            raise ValueError(f"execution_mode must be one of {EXECUTION_MODES}, got {mode!r}")
        if n_agents < 0:
            raise ValueError(f"n_agents must be >= 0, got {n_agents}")
        if n_agents <= 1:
            return cls.SINGLE_AGENT
        return cls.SEQUENTIAL if mode == "aec" else cls.SIMULTANEOUS
