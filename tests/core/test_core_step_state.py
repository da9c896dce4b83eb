from __future__ import annotations

import pytest

from mosaic_tui.core import MultiAgentStepState


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
