"""The same toast is not stacked while a copy of it is on screen."""

from __future__ import annotations

from mosaic_tui.app.toasts import ToastGate


def test_a_toast_on_screen_is_not_shown_again_until_it_goes() -> None:
    gate = ToastGate()
    assert gate.admit(("slow", "", "information"), 0.0, 3.0)
    assert not gate.admit(("slow", "", "information"), 2.9, 3.0)
    assert gate.admit(("other", "", "information"), 2.9, 3.0)  # another message shows
    assert gate.admit(("slow", "", "warning"), 2.9, 3.0)  # ... and another severity
    assert gate.admit(("slow", "", "information"), 3.0, 3.0)  # gone: shown again


def test_the_gate_forgets_expired_toasts_past_its_limit() -> None:
    gate = ToastGate(limit=4)
    for i in range(100):
        assert gate.admit(i, float(i), 1.0)
    assert len(gate._until) <= 4  # noqa: SLF001
    assert not gate.admit(99, 99.5, 1.0)  # the newest is still remembered
