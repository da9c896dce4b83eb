from __future__ import annotations

import dataclasses
import random
import re
from datetime import datetime, timezone

import pytest

from mosaic_tui.core import (
    MultiOperatorService,
    OperatorConfig,
    OperatorState,
    WorkerAssignment,
)


def _config(operator_id: str, **changes) -> OperatorConfig:
    return OperatorConfig(operator_id, f"Op {operator_id}", **changes)


def _service_with(*ids: str) -> MultiOperatorService:
    service = MultiOperatorService()
    for operator_id in ids:
        service.add_operator(_config(operator_id))
    return service


# -- configs ------------------------------------------------------------------------------
def test_add_get_and_order() -> None:
    service = _service_with("operator_0", "operator_1")
    assert service.get_operator_ids() == ["operator_0", "operator_1"]
    assert service.get_operator("operator_1").display_name == "Op operator_1"
    assert service.get_operator("missing") is None
    assert service.operator_count == 2
    assert service.get_operator_state("operator_0") is OperatorState.PENDING


def test_add_duplicate_raises_and_keeps_original() -> None:
    service = _service_with("operator_0")
    with pytest.raises(ValueError, match="operator_0"):
        service.add_operator(_config("operator_0", task="other"))
    assert service.get_operator("operator_0").task == "BabyAI-GoToRedBall-v0"


def test_get_active_operators_is_a_copy() -> None:
    service = _service_with("operator_0")
    service.get_active_operators().clear()
    assert service.operator_count == 1


def test_update_replaces_config_and_keeps_state() -> None:
    service = _service_with("operator_0")
    service.set_operator_state("operator_0", "running")
    service.update_operator(_config("operator_0", max_steps=9))
    assert service.get_operator("operator_0").max_steps == 9
    assert service.get_operator_state("operator_0") is OperatorState.RUNNING


def test_update_unknown_raises() -> None:
    with pytest.raises(KeyError):
        MultiOperatorService().update_operator(_config("operator_3"))


def test_remove_forgets_config_state_and_run() -> None:
    service = _service_with("operator_0", "operator_1")
    service.assign_run_id("operator_0", "run-a")
    service.remove_operator("operator_0")
    assert service.get_operator("operator_0") is None
    assert service.get_operator_state("operator_0") is None
    assert service.get_run_id("operator_0") is None
    assert service.get_operator_by_run_id("run-a") is None
    service.remove_operator("not-there")  # ignored
    assert service.get_operator_ids() == ["operator_1"]


def test_clear_operators() -> None:
    service = MultiOperatorService()
    for _ in range(3):
        service.add_operator(_config(service.generate_operator_id()))
    service.clear_operators()
    assert service.operator_count == 0
    assert service.get_running_operators() == []
    assert service.generate_operator_id() == "operator_0"


# -- ids ------------------------------------------------------------------------------------
def test_generate_ids_sequentially() -> None:
    service = MultiOperatorService()
    assert [service.generate_operator_id() for _ in range(3)] == [
        "operator_0",
        "operator_1",
        "operator_2",
    ]


def test_generate_reuses_smallest_freed_index() -> None:
    service = MultiOperatorService()
    for _ in range(4):
        service.add_operator(_config(service.generate_operator_id()))
    service.remove_operator("operator_2")
    service.remove_operator("operator_1")
    assert service.generate_operator_id() == "operator_1"
    assert service.generate_operator_id() == "operator_2"
    assert service.generate_operator_id() == "operator_4"


def test_index_resets_when_all_removed() -> None:
    service = MultiOperatorService()
    for _ in range(3):
        service.add_operator(_config(service.generate_operator_id()))
    for operator_id in service.get_operator_ids():
        service.remove_operator(operator_id)
    assert service.generate_operator_id() == "operator_0"
    assert service.generate_operator_id() == "operator_1"


def test_removing_unknown_generated_name_frees_nothing() -> None:
    service = _service_with("operator_0")
    service.generate_operator_id()  # operator_0 is in use, so this skips to operator_1
    service.remove_operator("operator_5")
    assert service.generate_operator_id() == "operator_2"


def test_generate_never_returns_an_id_in_use() -> None:
    service = _service_with("operator_0", "operator_1")
    new_id = service.generate_operator_id()
    assert new_id == "operator_2"
    service.add_operator(_config(new_id))  # would raise if it were a duplicate


def test_new_run_id_format_with_injected_clock_and_rng() -> None:
    clock = lambda: datetime(2026, 11, 22, 10, 2, 11, tzinfo=timezone.utc)
    service = MultiOperatorService(clock=clock, rng=random.Random(1))
    run_id = service.new_run_id("operator_0")
    assert re.fullmatch(r"20261122T100211-[0-9a-f]{4}-operator_0", run_id)
    expected_hex = f"{random.Random(1).getrandbits(16):04x}"
    assert run_id == f"20261122T100211-{expected_hex}-operator_0"


def test_new_run_id_is_unique_even_in_the_same_second() -> None:
    clock = lambda: datetime(2026, 1, 1, tzinfo=timezone.utc)
    service = MultiOperatorService(clock=clock, rng=random.Random(0))
    ids = {service.new_run_id("operator_0") for _ in range(200)}
    assert len(ids) == 200


class _StuckRandom(random.Random):
    def getrandbits(self, k: int) -> int:
        return 0x3F9A


def test_new_run_id_gives_up_instead_of_looping_forever() -> None:
    clock = lambda: datetime(2026, 1, 1, tzinfo=timezone.utc)
    service = MultiOperatorService(clock=clock, rng=_StuckRandom())
    assert service.new_run_id("operator_0") == "20260101T000000-3f9a-operator_0"
    with pytest.raises(RuntimeError):
        service.new_run_id("operator_0")


def test_new_run_id_avoids_assigned_run_ids() -> None:
    clock = lambda: datetime(2026, 1, 1, tzinfo=timezone.utc)
    service = MultiOperatorService(clock=clock, rng=_StuckRandom())
    service.add_operator(_config("operator_0"))
    service.assign_run_id("operator_0", "20260101T000000-3f9a-operator_0")
    with pytest.raises(RuntimeError):
        service.new_run_id("operator_0")


# -- run ids --------------------------------------------------------------------------------
def test_assign_run_id_keeps_every_config_field() -> None:
    service = MultiOperatorService()
    config = OperatorConfig.multi_agent(
        "operator_0",
        "Team",
        "mosaic_multigrid",
        "Soccer-2v2",
        {
            "agent_0": WorkerAssignment("llm_worker", "llm", {"model": "m"}),
            "agent_1": WorkerAssignment("", "human"),
        },
        execution_mode="parallel",
        observation_mode="egocentric",
        coordination_level=2,  # applies to its LLM player
        max_steps=50,
        view_size=7,
        seed=11,
        env_settings={"size": 10},
    )
    service.add_operator(config)
    service.assign_run_id("operator_0", "run-42")
    stored = service.get_operator("operator_0")
    assert stored.run_id == "run-42"
    assert service.get_run_id("operator_0") == "run-42"
    assert service.get_operator_by_run_id("run-42") is stored
    assert service.get_operator_by_run_id("nope") is None
    assert dataclasses.replace(stored, run_id=None) == config


def test_assign_run_id_to_unknown_operator_raises() -> None:
    with pytest.raises(KeyError):
        MultiOperatorService().assign_run_id("operator_0", "run")


# -- states ---------------------------------------------------------------------------------
def test_state_enum_values_and_string_equality() -> None:
    assert [s.value for s in OperatorState] == [
        "pending",
        "running",
        "paused",
        "stopped",
        "error",
    ]
    assert OperatorState.RUNNING == "running"


@pytest.mark.parametrize("state", [OperatorState.PAUSED, "paused"])
def test_set_state_accepts_enum_or_value(state: OperatorState | str) -> None:
    service = _service_with("operator_0")
    service.set_operator_state("operator_0", state)
    assert service.get_operator_state("operator_0") is OperatorState.PAUSED


@pytest.mark.parametrize("bad", ["RUNNING", "started", "", 1, None])
def test_set_state_rejects_anything_else(bad: object) -> None:
    service = _service_with("operator_0")
    with pytest.raises(ValueError, match="pending"):
        service.set_operator_state("operator_0", bad)  # type: ignore[arg-type]
    assert service.get_operator_state("operator_0") is OperatorState.PENDING


def test_set_state_of_unknown_operator_raises() -> None:
    with pytest.raises(KeyError):
        MultiOperatorService().set_operator_state("operator_0", "running")


def test_running_start_all_and_stop_all() -> None:
    service = _service_with("operator_0", "operator_1", "operator_2", "operator_3", "operator_4")
    service.set_operator_state("operator_1", OperatorState.RUNNING)
    service.set_operator_state("operator_2", OperatorState.PAUSED)
    service.set_operator_state("operator_3", OperatorState.ERROR)
    service.set_operator_state("operator_4", OperatorState.RUNNING)
    assert service.get_running_operators() == ["operator_1", "operator_4"]
    assert service.start_all() == ["operator_0"]
    assert service.get_operator_state("operator_0") is OperatorState.PENDING
    assert service.stop_all() == ["operator_1", "operator_2", "operator_4"]
    assert service.get_operator_state("operator_2") is OperatorState.STOPPED
    assert service.get_operator_state("operator_3") is OperatorState.ERROR
    assert service.get_running_operators() == []
    assert service.stop_all() == []
