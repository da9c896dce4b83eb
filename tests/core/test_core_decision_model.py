"""The decision-maker model: async operators, the registry, and per-agent routing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mosaic_tui.core import (
    Decision,
    Operator,
    OperatorConfig,
    OperatorService,
    PolicyMappingService,
    SteppingParadigm,
    Unbound,
    WorkerAssignment,
    operator_id_for,
)


class Fixed:
    """Answers one action and remembers what it was asked."""

    def __init__(self, id: str, action: Any = 0) -> None:
        self.id, self.name, self.action = id, id.title(), action
        self.asked: list[Decision] = []
        self.seeds: list[int | None] = []

    async def select_action(self, decision: Decision) -> Any:
        self.asked.append(decision)
        return self.action

    async def reset(self, seed: int | None = None) -> None:
        self.seeds.append(seed)


def ask(agent: str) -> Decision:
    return Decision(agent, 3, ["a", "b"], [1, 0])


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_an_async_decision_maker_satisfies_the_protocol() -> None:
    assert isinstance(Fixed("x"), Operator)
    assert not isinstance(object(), Operator)


def test_first_registered_is_active_until_another_is_chosen() -> None:
    service = OperatorService()
    a, b = Fixed("a"), Fixed("b")
    service.register_operator(a)
    service.register_operator(b)
    assert service.get_active_operator() is a
    service.set_active_operator("b")
    assert service.get_active_operator() is b
    with pytest.raises(KeyError, match="registered: \\['a', 'b'\\]"):
        service.set_active_operator("c")
    assert service.get_active_operator() is b
    service.register_operator(Fixed("c"), activate=True)
    assert service.get_active_operator().id == "c"


def chess(player_1: WorkerAssignment) -> OperatorConfig:
    return OperatorConfig.multi_agent(
        "op",
        "Chess",
        "pettingzoo_classic",
        "chess_v6",
        {"player_0": WorkerAssignment("human", "human"), "player_1": player_1},
    )


def test_from_config_binds_each_player_to_its_own_seat() -> None:
    config = chess(WorkerAssignment("llm_worker", "llm", {"model": "m", "api_key": "sk-hidden"}))
    service = OperatorService()
    human, llm = Fixed(operator_id_for("human", "player_0"), 1), Fixed("llm_worker:player_1", 7)
    service.register_operator(human)
    service.register_operator(llm)
    mapping = PolicyMappingService.from_config(config, service)
    assert mapping.paradigm is SteppingParadigm.SEQUENTIAL
    assert mapping.agent_ids == ["player_0", "player_1"]
    assert mapping.operator_for("player_1") is llm
    binding = mapping.get_binding("player_1")
    assert (binding.policy_id, binding.worker_id) == ("llm_worker:player_1", "llm_worker")
    assert "sk-hidden" not in repr(binding)  # settings may hold secrets
    binding.config["model"] = "changed"
    assert config.workers["player_1"].settings["model"] == "m"  # a copy
    assert run(mapping.select_action(ask("player_1"))) == 7
    assert run(mapping.select_action(ask("player_0"))) == 1
    assert llm.asked == [ask("player_1")] and human.asked == [ask("player_0")]


def test_an_unregistered_seat_falls_back_to_the_active_operator() -> None:
    service = OperatorService()
    default = Fixed("default", 5)
    service.register_operator(default)
    mapping = PolicyMappingService.from_config(
        chess(WorkerAssignment("baseline_worker", "baseline")), service
    )
    assert mapping.operator_for("player_1") is default
    assert run(mapping.select_action(ask("player_1"))) == 5


def test_no_operator_at_all_is_a_clear_error() -> None:
    mapping = PolicyMappingService(OperatorService())
    mapping.set_agents(["agent"])
    assert mapping.get_binding("agent") is None
    with pytest.raises(Unbound, match="no decision-maker is bound to agent"):
        mapping.operator_for("agent")


def test_binding_an_unknown_policy_lists_the_available_ones() -> None:
    service = OperatorService()
    service.register_operator(Fixed("a"))
    mapping = PolicyMappingService(service)
    with pytest.raises(KeyError, match="available: \\['a'\\]"):
        mapping.bind_agent_policy("agent", "b")


def test_reset_reaches_every_bound_operator_once() -> None:
    service = OperatorService()
    shared, own = Fixed("shared"), Fixed("own")
    service.register_operator(shared)
    service.register_operator(own)
    mapping = PolicyMappingService(service)
    mapping.set_agents(["a", "b", "c"])  # all to the active one (shared)
    mapping.bind_agent_policy("c", "own")
    run(mapping.reset(42))
    assert shared.seeds == [42] and own.seeds == [42]
