"""Domain model: operators, their configs and per-agent routing. Pure Python, no I/O."""

from __future__ import annotations

from mosaic_tui.core.assignment import (
    HUMAN_WORKER_ID,
    REDACTED,
    WORKER_TYPES,
    WorkerAssignment,
    is_secret_key,
    redact_secrets,
)
from mosaic_tui.core.config import (
    COORDINATION_LEVELS,
    OBSERVATION_MODES,
    OperatorConfig,
    default_workers,
)
from mosaic_tui.core.operator import (
    AbstainingOperator,
    HumanOperator,
    Operator,
    OperatorController,
    OperatorDescriptor,
    OperatorService,
    WorkerOperator,
)
from mosaic_tui.core.operators import MultiOperatorService, OperatorState
from mosaic_tui.core.paradigm import EXECUTION_MODES, SteppingParadigm
from mosaic_tui.core.policy_mapping import AgentPolicyBinding, PolicyMappingService
from mosaic_tui.core.snapshots import EpisodeSummary, StepSnapshot
from mosaic_tui.core.step_state import MultiAgentStepState

__all__ = [
    "COORDINATION_LEVELS",
    "EXECUTION_MODES",
    "HUMAN_WORKER_ID",
    "OBSERVATION_MODES",
    "REDACTED",
    "WORKER_TYPES",
    "AgentPolicyBinding",
    "EpisodeSummary",
    "AbstainingOperator",
    "HumanOperator",
    "MultiAgentStepState",
    "MultiOperatorService",
    "Operator",
    "OperatorConfig",
    "OperatorController",
    "OperatorDescriptor",
    "OperatorService",
    "OperatorState",
    "PolicyMappingService",
    "StepSnapshot",
    "SteppingParadigm",
    "WorkerAssignment",
    "WorkerOperator",
    "default_workers",
    "is_secret_key",
    "redact_secrets",
]
