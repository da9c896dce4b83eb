from __future__ import annotations

import pytest

from mosaic_tui.core import MultiAgentStepState, OperatorConfig, WorkerAssignment


def _state() -> MultiAgentStepState:
    return MultiAgentStepState(
        step_id=4, human_agents=["agent_0"], ai_agents=["agent_1", "agent_2"]
    )


def test_collects_until_complete() -> None:
    state = _state()
    assert not state.is_complete()
    assert state.pending_human_agents() == ["agent_0"]
    assert state.pending_ai_agents() == ["agent_1", "agent_2"]
    state.add_action("agent_1", 2)
    state.add_action("agent_0", 1)
    assert not state.is_complete()
    state.add_action("agent_2", 0)
    assert state.is_complete()
    assert state.get_all_actions() == {"agent_0": 1, "agent_1": 2, "agent_2": 0}


def test_ai_actions_ready_flips_when_last_ai_action_arrives() -> None:
    state = _state()
    assert state.ai_actions_ready is False
    state.add_action("agent_1", 3)
    assert state.ai_actions_ready is False
    state.add_action("agent_0", 3)  # a human action does not make AI ready
    assert state.ai_actions_ready is False
    state.add_action("agent_2", 3)
    assert state.ai_actions_ready is True
    assert state.pending_ai_agents() == []


def test_no_ai_agents_means_ready_from_the_start() -> None:
    state = MultiAgentStepState(step_id=0, human_agents=["agent_0"])
    assert state.ai_actions_ready is True
    assert not state.is_complete()


def test_unknown_agent_rejected() -> None:
    state = _state()
    with pytest.raises(ValueError, match="agent_7"):
        state.add_action("agent_7", 0)
    assert state.get_all_actions() == {}


def test_agent_cannot_be_both_human_and_ai() -> None:
    with pytest.raises(ValueError, match="agent_0"):
        MultiAgentStepState(step_id=0, human_agents=["agent_0"], ai_agents=["agent_0"])


def test_replacing_an_action_does_not_double_count() -> None:
    state = MultiAgentStepState(step_id=0, human_agents=["a"], ai_agents=["b"])
    state.add_action("a", 1)
    state.add_action("a", 2)
    assert not state.is_complete()
    assert state.get_all_actions() == {"a": 2}


def test_get_all_actions_is_a_copy() -> None:
    state = _state()
    state.add_action("agent_1", 1)
    actions = state.get_all_actions()
    actions["agent_2"] = 5
    assert "agent_2" not in state.pending_actions


def test_from_config() -> None:
    config = OperatorConfig.multi_agent(
        "o",
        "Team",
        "mosaic_multigrid",
        "Soccer-2v2",
        {
            "agent_0": WorkerAssignment("rl_worker", "rl"),
            "agent_1": WorkerAssignment("human", "human"),
            "agent_2": WorkerAssignment("baseline_worker", "baseline"),
        },
        execution_mode="parallel",
    )
    state = MultiAgentStepState.from_config(config, step_id=12)
    assert state.step_id == 12
    assert state.human_agents == ["agent_1"]
    assert state.ai_agents == ["agent_0", "agent_2"]
    assert state.pending_actions == {}
