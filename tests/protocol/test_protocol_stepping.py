from __future__ import annotations

import pytest

from mosaic_tui.protocol.stepping import SteppingParadigm


@pytest.mark.parametrize(
    ("mode", "n_agents", "expected"),
    [
        ("aec", 2, SteppingParadigm.SEQUENTIAL),
        ("parallel", 4, SteppingParadigm.SIMULTANEOUS),
        ("aec", 1, SteppingParadigm.SINGLE_AGENT),
        ("parallel", 1, SteppingParadigm.SINGLE_AGENT),
        ("aec", 0, SteppingParadigm.SINGLE_AGENT),
    ],
)
def test_from_execution_mode(mode: str, n_agents: int, expected: SteppingParadigm) -> None:
    assert SteppingParadigm.from_execution_mode(mode, n_agents) is expected


def test_from_execution_mode_rejects_unknown_mode() -> None:
    with pytest.raises(ValueError, match="aec"):
        SteppingParadigm.from_execution_mode("turns", 2)


def test_from_execution_mode_rejects_negative_count() -> None:
    with pytest.raises(ValueError):
        SteppingParadigm.from_execution_mode("aec", -1)


def test_paradigm_is_a_string_value() -> None:
    assert SteppingParadigm("simultaneous") is SteppingParadigm.SIMULTANEOUS
    assert SteppingParadigm.SEQUENTIAL == "sequential"
