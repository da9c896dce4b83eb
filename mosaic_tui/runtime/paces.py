"""The pace ladder `+` and `-` step through, in steps per second (None: as fast as it goes)."""

from __future__ import annotations

PACES: tuple[float | None, ...] = (1, 2, 5, 10, 20, 30, 60, None)
SLOWEST, FASTEST = 0.5, 240.0  # a pace set directly is kept within these


def clamp(pace: float | None) -> float | None:
    return None if pace is None else max(SLOWEST, min(pace, FASTEST))


def up(pace: float | None) -> float | None:
    """One rung faster (as fast as it goes stays so)."""
    if pace is None:
        return None
    return next((p for p in PACES[:-1] if p > pace), None)


def down(pace: float | None) -> float | None:
    """One rung slower (the bottom rung, or below it, stays where it is)."""
    if pace is None:
        return PACES[-2]
    lower = [p for p in PACES[:-1] if p < pace]
    return lower[-1] if lower else pace
