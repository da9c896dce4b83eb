"""An operator's lifecycle states and the run ids that key its telemetry."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timezone
from enum import Enum

__all__ = ["OperatorState", "RunIds"]


class OperatorState(str, Enum):
    """Lifecycle of one operator; a ``str`` enum so it compares equal to its value."""

    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    ERROR = "error"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class RunIds:
    """Run ids like ``20261122T100211-3f9a-op_0``, never one issued twice by this source.

    ``clock`` and ``rng`` are injectable so run ids are reproducible in tests.
    """

    def __init__(
        self, *, clock: Callable[[], datetime] = _utc_now, rng: random.Random | None = None
    ) -> None:
        self._clock = clock
        self._rng = rng if rng is not None else random.Random()
        self._issued: set[str] = set()

    def new(self, operator_id: str) -> str:
        stamp = self._clock().strftime("%Y%m%dT%H%M%S")
        for _ in range(64):
            run_id = f"{stamp}-{self._rng.getrandbits(16):04x}-{operator_id}"
            if run_id not in self._issued:
                self._issued.add(run_id)
                return run_id
        raise RuntimeError(f"could not make a unique run id for {operator_id!r}")
