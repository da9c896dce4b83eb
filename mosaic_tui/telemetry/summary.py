"""Per-run statistics over recorded episodes: mean return with a 95% CI, success rate, lengths."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from mosaic_tui.telemetry.rows import EpisodeRow


@dataclass(frozen=True, slots=True)
class RunSummary:
    """Aggregate of a run's episodes; ``ci95`` is the half-width of a normal 95% interval."""

    run_id: str
    episodes: int
    mean_return: float
    ci95: float
    success_rate: float | None
    mean_length: float
    total_steps: int
    player_returns: dict[str, float] | None = None  # multi-agent: each player's mean return


def summarize(run_id: str, episodes: Sequence[EpisodeRow]) -> RunSummary:
    """Summarize ``episodes`` (a run's, in any order); an empty run gives zeros."""
    n = len(episodes)
    returns = [e.total_reward for e in episodes]
    lengths = [e.length for e in episodes]
    successes = [e.success for e in episodes if e.success is not None]
    players: dict[str, list[float]] = {}
    for e in episodes:
        for agent, value in (e.rewards or {}).items():
            players.setdefault(agent, []).append(value)
    return RunSummary(
        run_id=run_id,
        episodes=n,
        mean_return=statistics.fmean(returns) if n else 0.0,
        ci95=1.96 * statistics.stdev(returns) / math.sqrt(n) if n >= 2 else 0.0,
        success_rate=statistics.fmean(successes) if successes else None,
        mean_length=statistics.fmean(lengths) if n else 0.0,
        total_steps=sum(lengths),
        player_returns={a: statistics.fmean(v) for a, v in players.items()} or None,
    )
