"""The one vocabulary for how players take their turns, shared by the wire, the config and
the runner: an env worker announces it in `init.stepping`, the runner picks its stepper by it.

A config file says `execution_mode = "aec" | "parallel"` (the reference's words);
`SteppingParadigm.from_execution_mode` is the only place that translates them.
"""

from __future__ import annotations

from enum import Enum

from mosaic_tui.protocol.worker_settings import EXECUTION_MODES

__all__ = ["EXECUTION_MODES", "SteppingParadigm"]


class SteppingParadigm(str, Enum):
    """A ``str`` enum, so it travels through JSON and telemetry as its value."""

    SINGLE_AGENT = "single_agent"
    SEQUENTIAL = "sequential"  # PettingZoo AEC: one agent acts per step
    SIMULTANEOUS = "simultaneous"  # PettingZoo parallel: every live agent acts per step

    @classmethod
    def from_execution_mode(cls, mode: str, n_agents: int) -> SteppingParadigm:
        """A config's execution mode and player count as a paradigm; one player is always
        SINGLE_AGENT, so single-agent configs keeping the default "aec" are not turn-based."""
        if mode not in EXECUTION_MODES:
            raise ValueError(f"execution_mode must be one of {EXECUTION_MODES}, got {mode!r}")
        if n_agents < 0:
            raise ValueError(f"n_agents must be >= 0, got {n_agents}")
        if n_agents <= 1:
            return cls.SINGLE_AGENT
        return cls.SEQUENTIAL if mode == "aec" else cls.SIMULTANEOUS
