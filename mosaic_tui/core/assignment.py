"""Which decision-maker plays one player slot of an operator.

Settings travel with the assignment and may hold API keys, so everything that turns an
assignment into text (``repr``, ``to_dict(redact=True)``) can mask them.
"""

from __future__ import annotations

import copy as _copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mosaic_tui.core.hosts import check_host
from mosaic_tui.core.secrets import REDACTED, is_secret_key, redact_secrets

__all__ = [
    "HUMAN_WORKER_ID",
    "REDACTED",
    "WORKER_TYPES",
    "WorkerAssignment",
    "is_secret_key",
    "redact_secrets",
]

WORKER_TYPES: tuple[str, ...] = ("llm", "vlm", "rl", "human", "baseline")

#: Humans have no worker process; this id stands in for one.
HUMAN_WORKER_ID = "human"


@dataclass(repr=False)
class WorkerAssignment:
    """One player's decision-maker: which worker, of which type, with which settings."""

    worker_id: str
    worker_type: str
    settings: dict[str, Any] = field(default_factory=dict)
    # where its worker runs: an ssh destination; "" this machine; None as its operator says
    host: str | None = None

    def __post_init__(self) -> None:
        if self.worker_type not in WORKER_TYPES:
            raise ValueError(
                f"worker_type must be one of {', '.join(WORKER_TYPES)}; got {self.worker_type!r}"
            )
        if not isinstance(self.worker_id, str):
            raise TypeError(f"worker_id must be a string, got {type(self.worker_id).__name__}")
        if not self.worker_id.strip():
            if self.worker_type != "human":
                raise ValueError(f"worker_id must not be empty for a {self.worker_type} worker")
            # A human needs no process; give the slot a stable id instead of failing.
            self.worker_id = HUMAN_WORKER_ID
        if not isinstance(self.settings, Mapping):
            raise TypeError(f"settings must be a mapping, got {type(self.settings).__name__}")
        self.settings = dict(self.settings)
        if self.host is not None:
            self.host = check_host(self.host)
            if self.host and self.is_human:
                raise ValueError("a human player plays at this keyboard: it takes no host")

    def __repr__(self) -> str:
        return (
            f"WorkerAssignment(worker_id={self.worker_id!r}, worker_type={self.worker_type!r}, "
            f"settings={redact_secrets(self.settings)!r}"
            + ("" if self.host is None else f", host={self.host!r}")
            + ")"
        )

    @property
    def is_human(self) -> bool:
        return self.worker_type == "human"

    @property
    def is_ai(self) -> bool:
        """Everything that is not a human, baselines included: the runner must ask it."""
        return not self.is_human

    def copy(self) -> WorkerAssignment:
        """Independent copy, so editing one operator's settings never leaks into another."""
        return WorkerAssignment(
            self.worker_id, self.worker_type, _copy.deepcopy(self.settings), self.host
        )

    def to_dict(self, *, redact: bool = False) -> dict[str, Any]:
        """Plain-data form; pass ``redact=True`` before writing it anywhere persistent."""
        settings = redact_secrets(self.settings) if redact else _copy.deepcopy(self.settings)
        data = {"worker_id": self.worker_id, "worker_type": self.worker_type, "settings": settings}
        if self.host is not None:
            data["host"] = self.host
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkerAssignment:
        """Inverse of :meth:`to_dict`; unknown keys are rejected rather than silently ignored."""
        if not isinstance(data, Mapping):
            raise TypeError(f"worker assignment must be a mapping, got {type(data).__name__}")
        unknown = set(data) - {"worker_id", "worker_type", "settings", "host"}
        if unknown:
            raise ValueError(f"unknown worker assignment keys: {', '.join(sorted(unknown))}")
        missing = [k for k in ("worker_type",) if k not in data]
        if data.get("worker_type") != "human" and "worker_id" not in data:
            missing.insert(0, "worker_id")
        if missing:
            raise ValueError(f"worker assignment is missing: {', '.join(missing)}")
        return cls(
            worker_id=data.get("worker_id", ""),
            worker_type=data["worker_type"],
            settings=_copy.deepcopy(dict(data.get("settings") or {})),
            host=data.get("host"),
        )
