from __future__ import annotations

import random
import re
from datetime import datetime, timezone

import pytest

from mosaic_tui.core import OperatorState, RunIds


def test_run_id_format_with_injected_clock_and_rng() -> None:
    clock = lambda: datetime(2026, 11, 22, 10, 2, 11, tzinfo=timezone.utc)  # noqa: E731
    run_id = RunIds(clock=clock, rng=random.Random(1)).new("operator_0")
    assert re.fullmatch(r"20261122T100211-[0-9a-f]{4}-operator_0", run_id)
    expected_hex = f"{random.Random(1).getrandbits(16):04x}"
    assert run_id == f"20261122T100211-{expected_hex}-operator_0"


def test_run_ids_are_unique_even_in_the_same_second() -> None:
    clock = lambda: datetime(2026, 1, 1, tzinfo=timezone.utc)  # noqa: E731
    ids = RunIds(clock=clock, rng=random.Random(0))
    assert len({ids.new("operator_0") for _ in range(200)}) == 200


class _StuckRandom(random.Random):
    def getrandbits(self, k: int) -> int:
        return 0x3F9A


def test_run_ids_give_up_instead_of_looping_forever() -> None:
    clock = lambda: datetime(2026, 1, 1, tzinfo=timezone.utc)  # noqa: E731
    ids = RunIds(clock=clock, rng=_StuckRandom())
    assert ids.new("operator_0") == "20260101T000000-3f9a-operator_0"
    with pytest.raises(RuntimeError, match="unique run id"):
        ids.new("operator_0")
    assert ids.new("operator_1") == "20260101T000000-3f9a-operator_1"  # another operator's


def test_state_enum_values_and_string_equality() -> None:
    assert [s.value for s in OperatorState] == ["pending", "running", "paused", "stopped", "error"]
    assert OperatorState.RUNNING == "running"
    assert OperatorState("paused") is OperatorState.PAUSED
