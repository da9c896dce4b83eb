from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from mosaic_tui.core import (
    AgentPolicyBinding,
    EpisodeSummary,
    OperatorConfig,
    OperatorController,
    OperatorService,
    PolicyMappingService,
    SteppingParadigm,
    StepSnapshot,
    WorkerAssignment,
)


@dataclass
class Recorder:
    id: str
    name: str = "Recorder"
    action: Any = 0
    calls: list[tuple] = field(default_factory=list)

    def select_action(self, observation: Any, info: dict[str, Any] | None = None) -> Any:
        self.calls.append(("select", observation, info))
        return self.action

    def reset(self, seed: int | None = None) -> None:
        self.calls.append(("reset", seed))

    def on_step_result(self, observation, reward, terminated, truncated, info) -> None:
        self.calls.append(("step", observation, reward, terminated, truncated, info))


@dataclass
class WithEpisodeHook(Recorder):
    def on_episode_end(self, summary: EpisodeSummary) -> None:
        self.calls.append(("episode", summary.total_reward, summary.steps))


@dataclass
class Controller:
    """An OperatorController: called with the agent id."""

    id: str
    name: str = "Controller"
    paradigm: SteppingParadigm = SteppingParadigm.SIMULTANEOUS
    calls: list[tuple] = field(default_factory=list)

    def select_action(self, agent_id: str, observation: Any, info: dict | None = None) -> Any:
        self.calls.append(("select", agent_id, observation))
        return f"{agent_id}:{observation}"

    def select_actions(self, observations: dict, infos: dict | None = None) -> dict:
        return {a: self.select_action(a, o) for a, o in observations.items()}

    def on_step_result(self, agent_id, observation, reward, terminated, truncated, info) -> None:
        self.calls.append(("step", agent_id, reward))

    def on_episode_end(self, agent_id: str, episode_return: float, episode_length: int) -> None:
        self.calls.append(("episode", agent_id, episode_return, episode_length))

    def reset(self, seed: int | None = None) -> None:
        self.calls.append(("reset", seed))


def _setup() -> tuple[OperatorService, PolicyMappingService, Recorder, Recorder]:
    service = OperatorService()
    human = Recorder("human_keyboard", action=None)
    rl = Recorder("rl", action=3)
    service.register_operator(human)
    service.register_operator(rl)
    return service, PolicyMappingService(service), human, rl


def _snap(reward: float = 1.0) -> StepSnapshot:
    return StepSnapshot(
        5,
        observation="o",
        reward=reward,
        terminated=False,
        truncated=True,
        info={"i": 1},
    )


def test_defaults() -> None:
    _, mapping, _, _ = _setup()
    assert mapping.paradigm is SteppingParadigm.SINGLE_AGENT
    assert mapping.agent_ids == []
    assert not mapping.is_multi_agent()
    assert mapping.get_all_bindings() == {}


def test_set_agents_auto_binds_unbound_to_active() -> None:
    service, mapping, _, _ = _setup()
    mapping.bind_agent_policy("player_1", "rl")
    mapping.set_agents(["player_0", "player_1"])
    assert service.get_active_operator_id() == "human_keyboard"
    assert mapping.get_binding("player_0").policy_id == "human_keyboard"
    assert mapping.get_binding("player_1").policy_id == "rl"
    assert mapping.is_multi_agent()
    assert mapping.agent_ids == ["player_0", "player_1"]


def test_set_agents_without_any_operator_binds_nothing() -> None:
    mapping = PolicyMappingService(OperatorService())
    mapping.set_agents(["a", "b"])
    assert mapping.get_all_bindings() == {}
    assert mapping.select_action("a", "obs") is None


def test_bind_unknown_policy_lists_available() -> None:
    _, mapping, _, _ = _setup()
    with pytest.raises(KeyError) as err:
        mapping.bind_agent_policy("player_0", "llm")
    assert "llm" in str(err.value)
    assert "human_keyboard" in str(err.value) and "rl" in str(err.value)
    assert mapping.get_binding("player_0") is None


def test_bind_records_worker_and_config() -> None:
    _, mapping, _, _ = _setup()
    cfg = {"policy_path": "/p"}
    mapping.bind_agent_policy("player_0", "rl", worker_id="rl_worker", config=cfg)
    cfg["policy_path"] = "/other"
    binding = mapping.get_binding("player_0")
    assert binding == AgentPolicyBinding("player_0", "rl", "rl_worker", {"policy_path": "/p"})


def test_binding_repr_hides_secrets() -> None:
    binding = AgentPolicyBinding("a", "llm", "llm_worker", {"api_key": "sk-9", "model": "m"})
    assert "sk-9" not in repr(binding) and "'m'" in repr(binding)


def test_unbind_and_copies() -> None:
    _, mapping, _, _ = _setup()
    mapping.set_agents(["a"])
    mapping.get_all_bindings().clear()
    assert mapping.get_binding("a") is not None
    mapping.unbind_agent("a")
    mapping.unbind_agent("a")  # idempotent
    assert mapping.get_binding("a") is None
    assert list(mapping.available_policy_ids()) == ["human_keyboard", "rl"]
    mapping.agent_ids.append("x")
    assert mapping.agent_ids == ["a"]


def test_select_action_routes_to_bound_operator() -> None:
    _, mapping, human, rl = _setup()
    mapping.bind_agent_policy("player_1", "rl")
    assert mapping.select_action("player_1", "obs1", {"mask": [1]}) == 3
    assert rl.calls == [("select", "obs1", {"mask": [1]})]
    assert human.calls == []


def test_unbound_agent_uses_active_operator() -> None:
    service, mapping, human, rl = _setup()
    service.set_active_operator("rl")
    assert mapping.select_action("stranger", "o") == 3
    assert rl.calls == [("select", "o", None)]
    assert human.calls == []


def test_bound_to_missing_operator_returns_none() -> None:
    _, mapping, _, rl = _setup()
    mapping._bindings["ghost"] = AgentPolicyBinding("ghost", "gone")  # operator removed later
    assert mapping.select_action("ghost", "o") is None
    mapping.notify_step("ghost", _snap())
    mapping.notify_episode_end("ghost", EpisodeSummary(0, 1.0, 2))
    assert rl.calls == []


def test_select_actions_for_simultaneous_step() -> None:
    _, mapping, human, rl = _setup()
    mapping.set_paradigm(SteppingParadigm.SIMULTANEOUS)
    mapping.set_agents(["agent_0", "agent_1"])
    mapping.bind_agent_policy("agent_1", "rl")
    actions = mapping.select_actions({"agent_0": "o0", "agent_1": "o1"}, {"agent_1": {"k": 2}})
    assert actions == {"agent_0": None, "agent_1": 3}
    assert human.calls == [("select", "o0", None)]
    assert rl.calls == [("select", "o1", {"k": 2})]


def test_controller_is_called_with_agent_id() -> None:
    service, mapping, _, _ = _setup()
    controller = Controller("team")
    assert isinstance(controller, OperatorController)
    service.register_operator(controller)  # type: ignore[arg-type]
    mapping.bind_agent_policy("agent_0", "team")
    mapping.bind_agent_policy("agent_1", "team")
    assert mapping.select_actions({"agent_0": 1, "agent_1": 2}) == {
        "agent_0": "agent_0:1",
        "agent_1": "agent_1:2",
    }
    mapping.notify_step("agent_1", _snap(reward=2.0))
    mapping.notify_episode_end("agent_0", EpisodeSummary(1, 4.0, 9))
    assert ("step", "agent_1", 2.0) in controller.calls
    assert ("episode", "agent_0", 4.0, 9) in controller.calls


def test_notify_step_passes_snapshot_fields() -> None:
    _, mapping, human, rl = _setup()
    mapping.bind_agent_policy("p1", "rl")
    mapping.notify_step("p1", _snap())
    mapping.notify_step("unbound", _snap(reward=0.5))
    assert rl.calls == [("step", "o", 1.0, False, True, {"i": 1})]
    assert human.calls == [("step", "o", 0.5, False, True, {"i": 1})]


def test_notify_steps_and_episode_end() -> None:
    service = OperatorService()
    a, b = WithEpisodeHook("a"), Recorder("b")
    service.register_operator(a)
    service.register_operator(b)
    mapping = PolicyMappingService(service)
    mapping.bind_agent_policy("p0", "a")
    mapping.bind_agent_policy("p1", "b")
    mapping.notify_steps({"p0": _snap(1.0), "p1": _snap(2.0)})
    mapping.notify_all_episode_end(
        {"p0": EpisodeSummary(0, 7.0, 3), "p1": EpisodeSummary(0, 1.0, 3)}
    )
    assert a.calls == [("step", "o", 1.0, False, True, {"i": 1}), ("episode", 7.0, 3)]
    assert b.calls == [("step", "o", 2.0, False, True, {"i": 1})]  # no hook, no call


def test_reset_clears_session_but_not_operators() -> None:
    service, mapping, _, _ = _setup()
    mapping.set_paradigm(SteppingParadigm.SEQUENTIAL)
    mapping.set_agents(["a", "b"])
    mapping.reset()
    assert mapping.paradigm is SteppingParadigm.SINGLE_AGENT
    assert mapping.agent_ids == [] and mapping.get_all_bindings() == {}
    assert list(service.available_operator_ids()) == ["human_keyboard", "rl"]
    assert mapping.operator_service is service


def test_from_config_binds_registered_player_operators() -> None:
    service = OperatorService()
    default = Recorder("default")
    white = Recorder("rl_worker:player_0", action=11)
    service.register_operator(default)
    service.register_operator(white)
    config = OperatorConfig.multi_agent(
        "operator_0",
        "Chess",
        "pettingzoo_classic",
        "chess_v6",
        {
            "player_0": WorkerAssignment("rl_worker", "rl", {"policy_path": "/w"}),
            "player_1": WorkerAssignment("llm_worker", "llm", {"api_key": "k"}),
        },
    )
    mapping = PolicyMappingService.from_config(config, service)
    assert mapping.paradigm is SteppingParadigm.SEQUENTIAL
    assert mapping.agent_ids == ["player_0", "player_1"]
    b0 = mapping.get_binding("player_0")
    assert (b0.policy_id, b0.worker_id, b0.config) == (
        "rl_worker:player_0",
        "rl_worker",
        {"policy_path": "/w"},
    )
    assert mapping.get_binding("player_1").policy_id == "default"  # not registered
    assert mapping.select_action("player_0", "board") == 11
    b0.config["policy_path"] = "/changed"
    assert config.workers["player_0"].settings["policy_path"] == "/w"
