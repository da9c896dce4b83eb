"""The operators of a session: their configs, run ids and lifecycle states.

Pure bookkeeping; the runtime does the starting and stopping and reports back here, so the
app and the headless runner read one source of truth.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable
from datetime import datetime, timezone
from enum import Enum

from mosaic_tui.core.config import OperatorConfig

__all__ = ["MultiOperatorService", "OperatorState"]

_log = logging.getLogger(__name__)
_GENERATED_ID = re.compile(r"operator_(\d+)")


class OperatorState(str, Enum):
    """Lifecycle of one operator; a ``str`` enum so it compares equal to its value."""

    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    ERROR = "error"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class MultiOperatorService:
    """Holds N operator configs side by side, each with a state and, once started, a run id.

    ``clock`` and ``rng`` are injectable so run ids are reproducible in tests.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = _utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self._configs: dict[str, OperatorConfig] = {}
        self._runs: dict[str, str] = {}
        self._states: dict[str, OperatorState] = {}
        self._next_index = 0
        self._freed: set[int] = set()
        self._issued_run_ids: set[str] = set()
        self._clock = clock
        self._rng = rng if rng is not None else random.Random()

    # -- configs --------------------------------------------------------------------------
    def add_operator(self, config: OperatorConfig) -> None:
        """Add a new operator in the PENDING state; an id already present is an error."""
        if config.operator_id in self._configs:
            raise ValueError(f"operator {config.operator_id!r} already exists; use update_operator")
        self._configs[config.operator_id] = config
        self._states[config.operator_id] = OperatorState.PENDING
        _log.debug("added operator %s (%s)", config.operator_id, config.display_name)

    def remove_operator(self, operator_id: str) -> None:
        """Forget an operator and free its ``operator_N`` index; unknown ids are ignored."""
        if operator_id not in self._configs:
            return
        del self._configs[operator_id]
        self._runs.pop(operator_id, None)
        self._states.pop(operator_id, None)
        match = _GENERATED_ID.fullmatch(operator_id)
        if match:
            self._freed.add(int(match.group(1)))
        if not self._configs:
            self._next_index = 0
            self._freed.clear()

    def update_operator(self, config: OperatorConfig) -> None:
        """Replace the config of an existing operator; its state and run id are kept."""
        if config.operator_id not in self._configs:
            raise KeyError(f"unknown operator {config.operator_id!r}")
        self._configs[config.operator_id] = config

    def get_operator(self, operator_id: str) -> OperatorConfig | None:
        return self._configs.get(operator_id)

    def get_active_operators(self) -> dict[str, OperatorConfig]:
        return dict(self._configs)

    def get_operator_ids(self) -> list[str]:
        return list(self._configs)

    def clear_operators(self) -> None:
        self._configs.clear()
        self._runs.clear()
        self._states.clear()
        self._next_index = 0
        self._freed.clear()

    @property
    def operator_count(self) -> int:
        return len(self._configs)

    # -- ids ------------------------------------------------------------------------------
    def generate_operator_id(self) -> str:
        """Next ``operator_N``: the smallest freed index first, never an id in use."""
        while self._freed:
            index = min(self._freed)
            self._freed.discard(index)
            if f"operator_{index}" not in self._configs:
                return f"operator_{index}"
        while f"operator_{self._next_index}" in self._configs:
            self._next_index += 1
        operator_id = f"operator_{self._next_index}"
        self._next_index += 1
        return operator_id

    def new_run_id(self, operator_id: str) -> str:
        """A run id like ``20261122T100211-3f9a-operator_0``, unique within this service."""
        stamp = self._clock().strftime("%Y%m%dT%H%M%S")
        for _ in range(64):
            run_id = f"{stamp}-{self._rng.getrandbits(16):04x}-{operator_id}"
            if run_id not in self._issued_run_ids:
                self._issued_run_ids.add(run_id)
                return run_id
        raise RuntimeError(f"could not make a unique run id for {operator_id!r}")

    # -- run ids --------------------------------------------------------------------------
    def assign_run_id(self, operator_id: str, run_id: str) -> None:
        """Attach ``run_id`` for telemetry routing; the stored config gets it too."""
        if operator_id not in self._configs:
            raise KeyError(f"unknown operator {operator_id!r}")
        self._runs[operator_id] = run_id
        self._issued_run_ids.add(run_id)
        self._configs[operator_id] = self._configs[operator_id].with_run_id(run_id)

    def get_run_id(self, operator_id: str) -> str | None:
        return self._runs.get(operator_id)

    def get_operator_by_run_id(self, run_id: str) -> OperatorConfig | None:
        for operator_id, assigned in self._runs.items():
            if assigned == run_id:
                return self._configs.get(operator_id)
        return None

    # -- states ---------------------------------------------------------------------------
    def set_operator_state(self, operator_id: str, state: OperatorState | str) -> None:
        """Set a state given as :class:`OperatorState` or its value (``"running"``, ...)."""
        try:
            new_state = OperatorState(state)
        except ValueError:
            valid = ", ".join(s.value for s in OperatorState)
            raise ValueError(f"invalid operator state {state!r}; expected one of {valid}") from None
        if operator_id not in self._configs:
            raise KeyError(f"unknown operator {operator_id!r}")
        self._states[operator_id] = new_state

    def get_operator_state(self, operator_id: str) -> OperatorState | None:
        return self._states.get(operator_id)

    def get_running_operators(self) -> list[str]:
        return self._ids_in(OperatorState.RUNNING)

    def _ids_in(self, *states: OperatorState) -> list[str]:
        return [op_id for op_id, state in self._states.items() if state in states]

    def start_all(self) -> list[str]:
        """Ids of PENDING operators, for the runtime to start; states change as it reports."""
        return self._ids_in(OperatorState.PENDING)

    def stop_all(self) -> list[str]:
        """Mark running and paused operators STOPPED and return their ids."""
        stopped = self._ids_in(OperatorState.RUNNING, OperatorState.PAUSED)
        for operator_id in stopped:
            self._states[operator_id] = OperatorState.STOPPED
        return stopped
