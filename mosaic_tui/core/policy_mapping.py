"""Which registered operator decides for which agent of a multi-agent environment.

Built over :class:`OperatorService`: bindings pick an operator per agent; agents without a
binding fall back to the service's active operator, so single-agent runs need no setup.

An operator registered in the service may be a plain ``Operator`` (called without an agent
id) or an ``OperatorController`` (called with one); routing handles both.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mosaic_tui.core.assignment import redact_secrets
from mosaic_tui.core.config import OperatorConfig
from mosaic_tui.core.operator import Operator, OperatorController, OperatorService
from mosaic_tui.core.paradigm import SteppingParadigm
from mosaic_tui.core.snapshots import EpisodeSummary, StepSnapshot

__all__ = ["AgentPolicyBinding", "PolicyMappingService"]

_log = logging.getLogger(__name__)


@dataclass(repr=False)
class AgentPolicyBinding:
    """``agent_id`` is played by the operator registered as ``policy_id``."""

    agent_id: str
    policy_id: str
    worker_id: str | None = None
    config: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"AgentPolicyBinding(agent_id={self.agent_id!r}, policy_id={self.policy_id!r}, "
            f"worker_id={self.worker_id!r}, config={redact_secrets(self.config)!r})"
        )


class PolicyMappingService:
    """Per-agent routing of action selection and feedback to registered operators."""

    def __init__(self, operator_service: OperatorService) -> None:
        self._service = operator_service
        self._bindings: dict[str, AgentPolicyBinding] = {}
        self._paradigm = SteppingParadigm.SINGLE_AGENT
        self._agent_ids: list[str] = []

    @classmethod
    def from_config(cls, config: OperatorConfig, service: OperatorService) -> PolicyMappingService:
        """Mapping for ``config``: player ``p`` goes to operator ``"<worker_id>:<p>"``.

        That id convention is how the runtime registers per-player operators. Players whose
        operator is not registered keep the auto-binding to the active operator.
        """
        mapping = cls(service)
        mapping.set_paradigm(config.paradigm)
        mapping.set_agents(config.player_ids)
        registered = set(service.available_operator_ids())
        for player_id, assignment in config.workers.items():
            operator_id = f"{assignment.worker_id}:{player_id}"
            if operator_id in registered:
                mapping.bind_agent_policy(
                    player_id,
                    operator_id,
                    worker_id=assignment.worker_id,
                    config=assignment.copy().settings,
                )
        return mapping

    # -- configuration --------------------------------------------------------------------
    def set_paradigm(self, paradigm: SteppingParadigm) -> None:
        self._paradigm = SteppingParadigm(paradigm)

    def set_agents(self, agent_ids: Iterable[str]) -> None:
        """Declare the environment's agents; unbound ones are bound to the active operator."""
        self._agent_ids = list(agent_ids)
        default = self._service.get_active_operator_id()
        if default is None:
            return
        for agent_id in self._agent_ids:
            self._bindings.setdefault(agent_id, AgentPolicyBinding(agent_id, default))

    def bind_agent_policy(
        self,
        agent_id: str,
        policy_id: str,
        *,
        worker_id: str | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        available = list(self._service.available_operator_ids())
        if policy_id not in available:
            raise KeyError(f"Unknown policy {policy_id!r}. Available: {available}")
        self._bindings[agent_id] = AgentPolicyBinding(
            agent_id, policy_id, worker_id, dict(config or {})
        )

    def unbind_agent(self, agent_id: str) -> None:
        self._bindings.pop(agent_id, None)

    def get_binding(self, agent_id: str) -> AgentPolicyBinding | None:
        return self._bindings.get(agent_id)

    def get_all_bindings(self) -> dict[str, AgentPolicyBinding]:
        return dict(self._bindings)

    def available_policy_ids(self) -> Iterable[str]:
        return self._service.available_operator_ids()

    # -- routing --------------------------------------------------------------------------
    def _operator_for(self, agent_id: str) -> Operator | OperatorController | None:
        binding = self._bindings.get(agent_id)
        if binding is None:
            return self._service.get_active_operator()
        operator = self._service.get_operator(binding.policy_id)
        if operator is None:
            _log.warning(
                "policy %r bound to agent %r is not registered",
                binding.policy_id,
                agent_id,
            )
        return operator

    def select_action(
        self, agent_id: str, observation: Any, info: dict[str, Any] | None = None
    ) -> Any | None:
        """Action for ``agent_id`` from its operator; None if it abstains or is missing."""
        operator = self._operator_for(agent_id)
        if operator is None:
            return None
        if isinstance(operator, OperatorController):
            return operator.select_action(agent_id, observation, info)
        return operator.select_action(observation, info)

    def select_actions(
        self,
        observations: dict[str, Any],
        infos: dict[str, dict[str, Any]] | None = None,
    ) -> dict[str, Any | None]:
        """Actions for all agents of a simultaneous step, asked agent by agent."""
        infos = infos or {}
        return {
            agent_id: self.select_action(agent_id, obs, infos.get(agent_id))
            for agent_id, obs in observations.items()
        }

    def notify_step(self, agent_id: str, snapshot: StepSnapshot) -> None:
        operator = self._operator_for(agent_id)
        callback = getattr(operator, "on_step_result", None)
        if not callable(callback):
            return
        args = (
            snapshot.observation,
            snapshot.reward,
            snapshot.terminated,
            snapshot.truncated,
            snapshot.info,
        )
        if isinstance(operator, OperatorController):
            callback(agent_id, *args)
        else:
            callback(*args)

    def notify_steps(self, snapshots: dict[str, StepSnapshot]) -> None:
        for agent_id, snapshot in snapshots.items():
            self.notify_step(agent_id, snapshot)

    def notify_episode_end(self, agent_id: str, summary: EpisodeSummary) -> None:
        """Controllers get (agent, return, length); plain operators get the summary if they
        define the optional ``on_episode_end`` hook."""
        operator = self._operator_for(agent_id)
        callback = getattr(operator, "on_episode_end", None)
        if not callable(callback):
            return
        if isinstance(operator, OperatorController):
            callback(agent_id, summary.total_reward, summary.steps)
        else:
            callback(summary)

    def notify_all_episode_end(self, summaries: dict[str, EpisodeSummary]) -> None:
        for agent_id, summary in summaries.items():
            self.notify_episode_end(agent_id, summary)

    # -- state ----------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget bindings and agents for a new session (operators stay registered)."""
        self._bindings.clear()
        self._agent_ids.clear()
        self._paradigm = SteppingParadigm.SINGLE_AGENT

    def is_multi_agent(self) -> bool:
        return len(self._agent_ids) > 1

    @property
    def paradigm(self) -> SteppingParadigm:
        return self._paradigm

    @property
    def agent_ids(self) -> list[str]:
        return list(self._agent_ids)

    @property
    def operator_service(self) -> OperatorService:
        return self._service
