from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pytest

from mosaic_tui.core import (
    HumanOperator,
    Operator,
    OperatorController,
    OperatorDescriptor,
    OperatorService,
    WorkerOperator,
)


@dataclass
class Recorder:
    """A minimal Operator that records calls and answers a fixed action."""

    id: str
    name: str = "Recorder"
    action: Any = 1
    calls: list[tuple] = field(default_factory=list)

    def select_action(self, observation: Any, info: dict[str, Any] | None = None) -> Any:
        self.calls.append(("select", observation, info))
        return self.action

    def reset(self, seed: int | None = None) -> None:
        self.calls.append(("reset", seed))

    def on_step_result(self, observation, reward, terminated, truncated, info) -> None:
        self.calls.append(("step", observation, reward, terminated, truncated, info))


@dataclass
class Exploding(Recorder):
    def reset(self, seed: int | None = None) -> None:
        raise RuntimeError("boom")


def test_builtin_operators_satisfy_the_protocol() -> None:
    assert isinstance(HumanOperator(), Operator)
    assert isinstance(WorkerOperator("w", "Worker", "baseline_worker"), Operator)
    assert isinstance(Recorder("r"), Operator)
    assert not isinstance(Recorder("r"), OperatorController)
    assert not isinstance(object(), Operator)


def test_builtin_operators_abstain() -> None:
    assert HumanOperator().select_action({"obs": 1}) is None
    assert WorkerOperator("w", "Worker", "rl_worker").select_action([0]) is None
    assert HumanOperator().id == "human_keyboard"


def test_descriptor_is_frozen() -> None:
    descriptor = OperatorDescriptor("o", "O")
    with pytest.raises(AttributeError):
        descriptor.display_name = "other"  # type: ignore[misc]
    assert descriptor.category == "default"
    assert not descriptor.supports_training and not descriptor.requires_api_key


def test_first_registered_becomes_active() -> None:
    service = OperatorService()
    assert service.get_active_operator() is None
    assert service.select_action("obs") is None
    service.register_operator(Recorder("a"))
    service.register_operator(Recorder("b"))
    assert service.get_active_operator_id() == "a"
    service.register_operator(Recorder("c"), activate=True)
    assert service.get_active_operator_id() == "c"


def test_descriptors_in_registration_order_with_labels() -> None:
    service = OperatorService()
    service.register_operator(Recorder("b", name="Bee"), category="rl", supports_training=True)
    service.register_operator(Recorder("a"), display_name="Alpha", requires_api_key=True)
    service.register_operator(Recorder("my_op", name=""))
    ids = [d.operator_id for d in service.describe_operators()]
    assert ids == ["b", "a", "my_op"]
    assert list(service.available_operator_ids()) == ids
    b = service.get_operator_descriptor("b")
    assert (b.display_name, b.category, b.supports_training) == ("Bee", "rl", True)
    assert service.get_operator_descriptor("a").display_name == "Alpha"
    assert service.get_operator_descriptor("a").requires_api_key
    assert service.get_operator_descriptor("my_op").display_name == "My Op"
    assert service.get_operator_descriptor("zzz") is None


def test_set_active_unknown_raises_and_keeps_active() -> None:
    service = OperatorService()
    service.register_operator(Recorder("a"))
    with pytest.raises(KeyError, match="nope"):
        service.set_active_operator("nope")
    assert service.get_active_operator_id() == "a"


def test_select_action_delegates_to_active() -> None:
    service = OperatorService()
    a, b = Recorder("a", action=1), Recorder("b", action=2)
    service.register_operator(a)
    service.register_operator(b)
    service.set_active_operator("b")
    assert service.select_action("obs", {"k": 1}) == 2
    assert b.calls == [("select", "obs", {"k": 1})]
    assert a.calls == []
    assert service.get_operator("a") is a


def test_notify_step_result_and_reset_active() -> None:
    service = OperatorService()
    a, b = Recorder("a"), Recorder("b")
    service.register_operator(a)
    service.register_operator(b)
    service.notify_step_result("o2", 1.5, True, False, {"x": 1})
    service.reset_active_operator(9)
    assert a.calls == [("step", "o2", 1.5, True, False, {"x": 1}), ("reset", 9)]
    assert b.calls == []


def test_notify_without_active_or_hook_is_harmless() -> None:
    service = OperatorService()
    service.notify_step_result("o", 0.0, False, False, {})
    service.reset_active_operator(1)

    @dataclass
    class Bare:
        id: str = "bare"
        name: str = "Bare"

        def select_action(self, observation, info=None):
            return 0

    service.register_operator(Bare())  # type: ignore[arg-type]
    service.notify_step_result("o", 0.0, False, False, {})
    service.reset_active_operator(1)
    assert service.select_action("o") == 0


def test_seed_resets_all_and_survives_a_failing_operator(
    caplog: pytest.LogCaptureFixture,
) -> None:
    service = OperatorService()
    a, bad, c = Recorder("a"), Exploding("bad"), Recorder("c")
    for op in (a, bad, c):
        service.register_operator(op)
    assert service.last_seed is None
    with caplog.at_level(logging.ERROR, logger="mosaic_tui.core.operator"):
        service.seed(123)
    assert a.calls == [("reset", 123)]
    assert c.calls == [("reset", 123)]
    assert service.last_seed == 123
    assert any("bad" in r.getMessage() for r in caplog.records)
    assert caplog.records[0].exc_info is not None
