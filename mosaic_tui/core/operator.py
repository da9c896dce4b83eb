"""Decision-maker protocols and the registry that routes actions to the active one.

Every decision-maker (keyboard, baseline, RL policy, LLM) answers ``select_action``, so the
runner never needs to know which kind it is talking to.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from mosaic_tui.core.paradigm import SteppingParadigm

__all__ = [
    "AbstainingOperator",
    "HumanOperator",
    "Operator",
    "OperatorController",
    "OperatorDescriptor",
    "OperatorService",
    "WorkerOperator",
]

_log = logging.getLogger(__name__)


@runtime_checkable
class Operator(Protocol):
    """Picks one agent's action from an observation; ``None`` means "abstain / not mine"."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    def select_action(self, observation: Any, info: dict[str, Any] | None = None) -> Any | None: ...

    def reset(self, seed: int | None = None) -> None: ...

    def on_step_result(
        self,
        observation: Any,
        reward: float,
        terminated: bool,
        truncated: bool,
        info: dict[str, Any],
    ) -> None: ...


@runtime_checkable
class OperatorController(Protocol):
    """One decision-maker serving several agents, addressed by agent id.

    Sequential games call :meth:`select_action` per agent; simultaneous ones may call
    :meth:`select_actions` once for everyone.
    """

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def paradigm(self) -> SteppingParadigm: ...

    def select_action(
        self, agent_id: str, observation: Any, info: dict[str, Any] | None = None
    ) -> Any | None: ...

    def select_actions(
        self,
        observations: dict[str, Any],
        infos: dict[str, dict[str, Any]] | None = None,
    ) -> dict[str, Any]: ...

    def on_step_result(
        self,
        agent_id: str,
        observation: Any,
        reward: float,
        terminated: bool,
        truncated: bool,
        info: dict[str, Any],
    ) -> None: ...

    def on_episode_end(self, agent_id: str, episode_return: float, episode_length: int) -> None: ...

    def reset(self, seed: int | None = None) -> None: ...


@dataclass(frozen=True)
class OperatorDescriptor:
    """What the UI shows about a registered operator, without holding the operator itself."""

    operator_id: str
    display_name: str
    description: str | None = None
    category: str = "default"  # "human", "llm", "rl", "baseline", "worker"
    supports_training: bool = False
    requires_api_key: bool = False


class OperatorService:
    """Registry of operators with one active operator that actions are delegated to."""

    def __init__(self) -> None:
        self._operators: dict[str, Operator] = {}
        self._descriptors: dict[str, OperatorDescriptor] = {}
        self._active_id: str | None = None
        self._last_seed: int | None = None

    # -- registration -------------------------------------------------------------------
    def register_operator(
        self,
        operator: Operator,
        *,
        display_name: str | None = None,
        description: str | None = None,
        category: str = "default",
        supports_training: bool = False,
        requires_api_key: bool = False,
        activate: bool = False,
    ) -> None:
        """Register (or replace) an operator; the first one registered becomes active."""
        operator_id = operator.id
        label = (
            display_name or getattr(operator, "name", None) or operator_id.replace("_", " ").title()
        )
        self._operators[operator_id] = operator
        self._descriptors[operator_id] = OperatorDescriptor(
            operator_id=operator_id,
            display_name=label,
            description=description,
            category=category,
            supports_training=supports_training,
            requires_api_key=requires_api_key,
        )
        if activate or self._active_id is None:
            self._active_id = operator_id

    def available_operator_ids(self) -> Iterable[str]:
        return self._operators.keys()

    def describe_operators(self) -> tuple[OperatorDescriptor, ...]:
        """Descriptors in registration order, ready for a dropdown."""
        return tuple(self._descriptors[op_id] for op_id in self._operators)

    def get_operator(self, operator_id: str) -> Operator | None:
        return self._operators.get(operator_id)

    def get_operator_descriptor(self, operator_id: str) -> OperatorDescriptor | None:
        return self._descriptors.get(operator_id)

    # -- activation ---------------------------------------------------------------------
    def set_active_operator(self, operator_id: str) -> None:
        if operator_id not in self._operators:
            raise KeyError(f"Unknown operator {operator_id!r}; registered: {list(self._operators)}")
        self._active_id = operator_id

    def get_active_operator(self) -> Operator | None:
        return None if self._active_id is None else self._operators.get(self._active_id)

    def get_active_operator_id(self) -> str | None:
        return self._active_id

    # -- delegation ---------------------------------------------------------------------
    def select_action(self, observation: Any, info: dict[str, Any] | None = None) -> Any | None:
        operator = self.get_active_operator()
        return None if operator is None else operator.select_action(observation, info)

    def notify_step_result(
        self,
        observation: Any,
        reward: float,
        terminated: bool,
        truncated: bool,
        info: dict[str, Any],
    ) -> None:
        """Forward feedback to the active operator; the hook is optional on operators."""
        callback = getattr(self.get_active_operator(), "on_step_result", None)
        if callable(callback):
            callback(observation, reward, terminated, truncated, info)

    def reset_active_operator(self, seed: int | None = None) -> None:
        callback = getattr(self.get_active_operator(), "reset", None)
        if callable(callback):
            callback(seed)

    # -- seeding ------------------------------------------------------------------------
    def seed(self, seed: int) -> None:
        """Reset every operator with ``seed``; one failing operator must not block the rest."""
        self._last_seed = seed
        for operator_id, operator in self._operators.items():
            callback = getattr(operator, "reset", None)
            if not callable(callback):
                continue
            try:
                callback(seed)
            except Exception:  # noqa: BLE001 - one bad operator must not stop seeding
                _log.exception("operator %r failed to reset with seed %s", operator_id, seed)

    @property
    def last_seed(self) -> int | None:
        return self._last_seed


class AbstainingOperator:
    """Shared no-op behaviour of operators whose actions are decided elsewhere."""

    def select_action(self, observation: Any, info: dict[str, Any] | None = None) -> Any | None:
        return None

    def reset(self, seed: int | None = None) -> None:
        return None

    def on_step_result(
        self,
        observation: Any,
        reward: float,
        terminated: bool,
        truncated: bool,
        info: dict[str, Any],
    ) -> None:
        return None


@dataclass
class HumanOperator(AbstainingOperator):
    """Stands in for a human: actions come from key presses in the app, never from here."""

    id: str = "human_keyboard"
    name: str = "Human (Keyboard)"


@dataclass
class WorkerOperator(AbstainingOperator):
    """Stands in for a worker subprocess, which chooses its actions out of band."""

    id: str
    name: str
    worker_id: str
