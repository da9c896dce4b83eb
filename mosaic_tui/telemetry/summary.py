"""Per-run statistics over recorded episodes: mean return with a 95% CI, success rate, lengths.

The interval is Student t's (`t95_half_width`), the one `mosaic-tui report` shows too, so the
run's summary table and the report give the same numbers.

Accumulated one episode at a time (Welford's mean and variance), so summarising a run reads
its rows from a cursor and never holds them all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mosaic_tui.telemetry.rows import EpisodeRow


@dataclass(frozen=True, slots=True)
class RunSummary:
    """Aggregate of a run's episodes; ``ci95`` is the half-width of a Student t 95% interval
    (0 below two episodes)."""

    run_id: str
    episodes: int
    mean_return: float
    ci95: float
    success_rate: float | None
    mean_length: float
    total_steps: int
    player_returns: dict[str, float] | None = None  # multi-agent: each player's mean return


#: (total reward, length, success or None, per-player rewards or None) of one episode.
EpisodeStats = tuple[float, int, "bool | int | None", "dict[str, float] | None"]


def t95_half_width(n: int, stdev: float) -> float:
    """Half-width of the Student t 95% interval of a mean of `n` values whose sample standard
    deviation is `stdev`; 0 below two values (no interval)."""
    if n < 2:
        return 0.0
    # SciPy's t quantile (scipy.special: a quarter of scipy.stats' import time), imported here
    # so that `mosaic-tui --help` stays fast
    from scipy.special import stdtrit

    return float(stdtrit(n - 1, 0.975)) * stdev / math.sqrt(n)


def summarize(run_id: str, episodes: Sequence[EpisodeRow]) -> RunSummary:
    """Summarize ``episodes`` (a run's, in any order); an empty run gives zeros."""
    return summarize_rows(
        run_id, ((e.total_reward, e.length, e.success, e.rewards) for e in episodes)
    )


def summarize_rows(run_id: str, rows: Iterable[EpisodeStats]) -> RunSummary:
    """The same summary from a stream of episode stats, in constant memory."""
    n = 0
    mean = m2 = 0.0
    steps = 0
    successes = judged = 0
    players: dict[str, list[float]] = {}  # agent -> [sum, count]
    for total, length, success, rewards in rows:
        n += 1
        delta = total - mean
        mean += delta / n
        m2 += delta * (total - mean)
        steps += length
        if success is not None:
            judged += 1
            successes += bool(success)
        for agent, value in (rewards or {}).items():
            acc = players.setdefault(agent, [0.0, 0])
            acc[0] += value
            acc[1] += 1
    stdev = math.sqrt(m2 / (n - 1)) if n >= 2 else 0.0
    return RunSummary(
        run_id=run_id,
        episodes=n,
        mean_return=mean if n else 0.0,
        ci95=t95_half_width(n, stdev),
        success_rate=successes / judged if judged else None,
        mean_length=steps / n if n else 0.0,
        total_steps=steps,
        player_returns={a: s / c for a, (s, c) in players.items()} or None,
    )
