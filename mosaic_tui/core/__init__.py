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
from mosaic_tui.core.operator import Decision, Operator, OperatorService
from mosaic_tui.core.operators import OperatorState, RunIds
from mosaic_tui.core.policy_mapping import (
    AgentPolicyBinding,
    PolicyMappingService,
    Unbound,
    operator_id_for,
)
from mosaic_tui.core.step_state import MultiAgentStepState
from mosaic_tui.protocol.stepping import EXECUTION_MODES, SteppingParadigm

__all__ = [
    "COORDINATION_LEVELS",
    "EXECUTION_MODES",
    "HUMAN_WORKER_ID",
    "OBSERVATION_MODES",
    "REDACTED",
    "WORKER_TYPES",
    "AgentPolicyBinding",
    "Decision",
    "MultiAgentStepState",
    "Operator",
    "OperatorConfig",
    "OperatorService",
    "OperatorState",
    "PolicyMappingService",
    "RunIds",
    "SteppingParadigm",
    "Unbound",
    "WorkerAssignment",
    "default_workers",
    "operator_id_for",
    "is_secret_key",
    "redact_secrets",
]
