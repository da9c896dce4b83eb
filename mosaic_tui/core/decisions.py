"""What a run's decisions looked like, per player: counted as steps arrive (the app's pane
status, the runner) and again from the store (the headless summary, telemetry/summary.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class DecisionStats:
    """One player's recorded decisions (LLM players record theirs): how many were answered
    at once, how many needed a fallback, latency and tokens."""

    decisions: int = 0
    invalid: int = 0  # the first reply was not an answer (corrected, or a fallback played)
    fallbacks: int = 0
    latency_ms: float = 0.0  # summed; `mean_latency_ms` divides
    tokens: int = 0

    @property
    def invalid_rate(self) -> float:
        return self.invalid / self.decisions if self.decisions else 0.0

    @property
    def mean_latency_ms(self) -> float:
        return self.latency_ms / self.decisions if self.decisions else 0.0

    def add(self, record: dict[str, object]) -> None:
        self.decisions += 1
        self.invalid += record.get("valid") is False
        self.fallbacks += bool(record.get("fallback"))
        latency = record.get("latency_ms")
        self.latency_ms += float(latency) if isinstance(latency, (int, float)) else 0.0
        for key in ("tokens_in", "tokens_out"):
            value = record.get(key)
            self.tokens += int(value) if isinstance(value, int) else 0

    @classmethod
    def total(cls, many: Iterable[DecisionStats]) -> DecisionStats:
        """Several players' stats as one (an operator's LLM seats together)."""
        found = cls()
        for one in many:
            found.decisions += one.decisions
            found.invalid += one.invalid
            found.fallbacks += one.fallbacks
            found.latency_ms += one.latency_ms
            found.tokens += one.tokens
        return found

    def short(self) -> str:
        """One status part, short enough for a narrow pane: `LLM 11/12 ok 0.9s`."""
        text = f"LLM {self.decisions - self.invalid}/{self.decisions} ok"
        if self.fallbacks:
            text += f" {self.fallbacks} fallback"
        return text + f" {self.mean_latency_ms / 1000:.1f}s"
