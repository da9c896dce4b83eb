"""The decision-maker model: what a player is asked, who answers, and the registry of them.

The seeds' operator protocol, made asynchronous because every real decision-maker waits on
something — a worker subprocess, a person at the keyboard, an HTTP endpoint. The runtime's
players (`mosaic_tui.runtime.players`) implement it; `PolicyMappingService` routes each agent
to the one registered for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = ["Decision", "Operator", "OperatorService"]


@dataclass(frozen=True, slots=True)
class Decision:
    """What a decision-maker is told when it must act for one agent."""

    agent: str
    step_index: int
    labels: list[str]  # the action names, index = action
    action_mask: list[int] | None = None  # 1 = legal; None = every action is
    observation: Any = None
    board: list[str] | None = None  # board games: the position as text
    moves: dict[str, int] | None = None  # board games: the legal moves by name
    frame: Any = None  # the latest picture (a protocol Frame): shown to VLM players


@runtime_checkable
class Operator(Protocol):
    """Chooses one agent's actions. ``id`` is unique in its service; ``name`` is for people."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    async def select_action(self, decision: Decision) -> Any: ...

    async def reset(self, seed: int | None = None) -> None: ...


class OperatorService:
    """The registered decision-makers; the first registered is active unless one is chosen,
    and agents the policy mapping does not bind fall back to it."""

    def __init__(self) -> None:
        self._operators: dict[str, Operator] = {}
        self._active_id: str | None = None

    def register_operator(self, operator: Operator, *, activate: bool = False) -> None:
        """Register (or replace) an operator under its id."""
        self._operators[operator.id] = operator
        if activate or self._active_id is None:
            self._active_id = operator.id

    def available_operator_ids(self) -> list[str]:
        return list(self._operators)

    def get_operator(self, operator_id: str) -> Operator | None:
        return self._operators.get(operator_id)

    def set_active_operator(self, operator_id: str) -> None:
        if operator_id not in self._operators:
            raise KeyError(f"unknown operator {operator_id!r}; registered: {list(self._operators)}")
        self._active_id = operator_id

    def get_active_operator(self) -> Operator | None:
        return None if self._active_id is None else self._operators.get(self._active_id)
