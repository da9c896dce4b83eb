"""Which decision-maker acts for which agent: the one place that answers "who decides for
player_1?".

Bindings name an operator registered in an `OperatorService`; an agent without a binding falls
back to the service's active operator, so a single-agent run needs no setup. The runner asks
through here for every decision and every reset.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mosaic_tui.core.assignment import redact_secrets
from mosaic_tui.core.config import OperatorConfig
from mosaic_tui.core.operator import Decision, Operator, OperatorService
from mosaic_tui.protocol.stepping import SteppingParadigm

__all__ = ["AgentPolicyBinding", "PolicyMappingService", "Unbound", "operator_id_for"]


def operator_id_for(worker_id: str, agent: str) -> str:
    """The id a player's decision-maker is registered under: one per seat, even when two
    seats use the same worker."""
    return f"{worker_id}:{agent}"


class Unbound(LookupError):
    """No decision-maker is registered for an agent."""


@dataclass(repr=False)
class AgentPolicyBinding:
    """``agent_id`` is played by the operator registered as ``policy_id``."""

    agent_id: str
    policy_id: str
    worker_id: str | None = None
    config: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # settings may hold secrets: never print them
        return (
            f"AgentPolicyBinding(agent_id={self.agent_id!r}, policy_id={self.policy_id!r}, "
            f"worker_id={self.worker_id!r}, config={redact_secrets(self.config)!r})"
        )


class PolicyMappingService:
    """Per-agent routing of decisions and resets to registered operators."""

    def __init__(self, operator_service: OperatorService) -> None:
        self._service = operator_service
        self._bindings: dict[str, AgentPolicyBinding] = {}
        self._agent_ids: list[str] = []
        self.paradigm = SteppingParadigm.SINGLE_AGENT

    @classmethod
    def from_config(cls, config: OperatorConfig, service: OperatorService) -> PolicyMappingService:
        """Bind each player of `config` to the operator registered as
        `operator_id_for(worker_id, player)`; players with none registered keep the fallback."""
        mapping = cls(service)
        mapping.paradigm = config.paradigm
        mapping.set_agents(config.player_ids)
        registered = set(service.available_operator_ids())
        for player_id, assignment in config.workers.items():
            operator_id = operator_id_for(assignment.worker_id, player_id)
            if operator_id in registered:
                mapping.bind_agent_policy(
                    player_id,
                    operator_id,
                    worker_id=assignment.worker_id,
                    config=assignment.copy().settings,
                )
        return mapping

    def set_agents(self, agent_ids: Iterable[str]) -> None:
        """Declare the environment's agents; unbound ones are bound to the active operator."""
        self._agent_ids = list(agent_ids)
        active = self._service.get_active_operator()
        if active is None:
            return
        for agent_id in self._agent_ids:
            self._bindings.setdefault(agent_id, AgentPolicyBinding(agent_id, active.id))

    def bind_agent_policy(
        self,
        agent_id: str,
        policy_id: str,
        *,
        worker_id: str | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        available = self._service.available_operator_ids()
        if policy_id not in available:
            raise KeyError(f"unknown policy {policy_id!r}; available: {available}")
        self._bindings[agent_id] = AgentPolicyBinding(
            agent_id, policy_id, worker_id, dict(config or {})
        )

    def get_binding(self, agent_id: str) -> AgentPolicyBinding | None:
        return self._bindings.get(agent_id)

    @property
    def agent_ids(self) -> list[str]:
        return list(self._agent_ids)

    def operator_for(self, agent_id: str) -> Operator:
        """The decision-maker acting for `agent_id` (raises `Unbound` when there is none)."""
        binding = self._bindings.get(agent_id)
        operator = (
            self._service.get_active_operator()
            if binding is None
            else self._service.get_operator(binding.policy_id)
        )
        if operator is None:
            raise Unbound(f"no decision-maker is bound to {agent_id}")
        return operator

    async def select_action(self, decision: Decision) -> Any:
        """The action of the operator bound to `decision.agent`."""
        return await self.operator_for(decision.agent).select_action(decision)

    async def reset(self, seed: int | None) -> None:
        """Reset every bound operator once (one serving two agents is reset once)."""
        bound: dict[str, Operator] = {}
        for agent_id in self._agent_ids:
            operator = self.operator_for(agent_id)
            bound.setdefault(operator.id, operator)
        await asyncio.gather(*(op.reset(seed) for op in bound.values()))
