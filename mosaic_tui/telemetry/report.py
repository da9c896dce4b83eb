"""What a recorded session says: per operator and per player, with how sure we can be.

Intervals are Student t 95 % intervals (SciPy's t quantile, `stdtrit`): of the mean return over an
operator's episodes, of each player's mean return, and of the paired difference between two
operators of the same task run on the same seeds (episode i of each with the same seed: the
same start, so the difference is the decision-makers'). A t-interval on paired differences is
the textbook test for "did A do better than B on the same seeds"; with fewer than two pairs
there is no interval. Everything is read from the store's episodes table (and the LLM
players' records in the steps table), one run at a time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from mosaic_tui.telemetry.schema import TelemetryError, format_ids
from mosaic_tui.telemetry.standings import Standings, standings
from mosaic_tui.telemetry.store import TelemetryStore
from mosaic_tui.telemetry.summary import t95_half_width

METHOD = "Student t 95% intervals; paired differences by seed (episode i of each, same seed)"


@dataclass(frozen=True)
class Interval:
    """A mean with its 95 % interval (None where fewer than two values give none)."""

    mean: float
    low: float | None
    high: float | None
    n: int


def t_interval(values: Sequence[float]) -> Interval:
    n = len(values)
    if n == 0:
        return Interval(0.0, None, None, 0)
    mean = math.fsum(values) / n
    if n < 2:
        return Interval(mean, None, None, n)
    variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    half = t95_half_width(n, math.sqrt(variance))  # the run summary's interval too
    return Interval(mean, mean - half, mean + half, n)


@dataclass(frozen=True)
class PlayerReport:
    agent: str
    returns: Interval
    decisions: int | None = None  # an LLM player's answers (None: not an LLM player)
    invalid: int | None = None  # of which the first reply was not an answer
    fallbacks: int | None = None
    mean_latency_ms: float | None = None


@dataclass(frozen=True)
class OperatorReport:
    run_id: str
    operator_id: str
    name: str
    env_name: str
    task: str
    status: str
    error: str | None
    returns: Interval
    success_rate: float | None
    mean_length: float
    steps: int
    decisions_per_s: float | None  # steps per second of episode time
    players: list[PlayerReport] = field(default_factory=list)
    seeds: list[int | None] = field(default_factory=list, repr=False)  # per episode, in order
    episode_returns: list[float] = field(default_factory=list, repr=False)
    # An operator restarted in the app (`e` -> Save) has several runs in one session under
    # one id: this is which of them (1, 2, ...); 0 when the id has a single run.
    repeat: int = 0

    @property
    def episodes(self) -> int:
        return self.returns.n

    @property
    def label(self) -> str:
        """The operator's id, with `(run N)` when its id has several runs in the session."""
        return self.operator_id + self.run_suffix

    @property
    def run_suffix(self) -> str:
        return f" (run {self.repeat})" if self.repeat else ""


@dataclass(frozen=True)
class PairedDifference:
    first: str  # operator ids (labels): the difference is first - second
    second: str
    task: str
    difference: Interval


@dataclass(frozen=True)
class SessionReport:
    session_id: str
    started_at: float
    source: str
    meta: dict[str, Any]
    operators: list[OperatorReport]
    differences: list[PairedDifference]
    method: str = METHOD
    standings: Standings | None = None  # a tournament's matrix and ratings


def build_report(store: TelemetryStore, session_id: str) -> SessionReport:
    """The report of one session; TelemetryError naming the known ones for an unknown id."""
    session = store.session(session_id)
    if session is None:
        known = [s.session_id for s in store.session_overview(limit=5)]
        raise TelemetryError(f"no session {session_id!r}; recent ones: {format_ids(known)}")
    operators = numbered([_operator(store, run) for run in store.runs(session_id)])
    meta = dict(session.meta or {})
    about = meta.get("tournament")
    return SessionReport(
        session.session_id,
        session.started_at,
        session.source,
        meta,
        operators,
        paired_differences(operators),
        standings=standings(store, session_id, about) if isinstance(about, dict) else None,
    )


def _operator(store: TelemetryStore, run: Any) -> OperatorReport:
    seeds: list[int | None] = []
    totals: list[float] = []
    by_player: dict[str, list[float]] = {}
    steps = 0
    seconds = 0.0
    judged = successes = 0
    for seed, total, length, success, rewards, began, ended in store.iter_episode_stats(run.run_id):
        seeds.append(seed)
        totals.append(float(total))
        steps += int(length)
        seconds += max(0.0, float(ended) - float(began))
        if success is not None:
            judged += 1
            successes += bool(success)
        for agent, value in (rewards or {}).items():
            by_player.setdefault(agent, []).append(float(value))
    answers = store.decision_stats(run.run_id)
    players = []
    for agent in sorted(set(by_player) | set(answers)):
        stats = answers.get(agent)
        players.append(
            PlayerReport(
                agent,
                t_interval(by_player.get(agent, [])),
                stats.decisions if stats else None,
                stats.invalid if stats else None,
                stats.fallbacks if stats else None,
                stats.mean_latency_ms if stats else None,
            )
        )
    return OperatorReport(
        run.run_id,
        run.operator_id,
        run.display_name or run.operator_id,
        run.env_name,
        run.task,
        run.status,
        run.error,
        t_interval(totals),
        successes / judged if judged else None,
        steps / len(totals) if totals else 0.0,
        steps,
        steps / seconds if seconds > 0 else None,
        players,
        seeds,
        totals,
    )


def numbered(operators: list[OperatorReport]) -> list[OperatorReport]:
    """Each run of an operator id that ran more than once (restarted) numbered in order, so
    the report can tell them apart."""
    ids = [op.operator_id for op in operators]
    seen: dict[str, int] = {}
    out = []
    for op in operators:
        if ids.count(op.operator_id) > 1:
            seen[op.operator_id] = seen.get(op.operator_id, 0) + 1
            op = replace(op, repeat=seen[op.operator_id])
        out.append(op)
    return out


def paired_differences(operators: Iterable[OperatorReport]) -> list[PairedDifference]:
    """Every two operators of one task that share seeds (the same seed at the same episode):
    the interval of their per-seed return differences. Two runs of one operator (restarted)
    are not a comparison of two decision-makers: never paired. Nor is an operator of several
    players: its return is their sum, 0 in every episode of a zero-sum game (its players'
    returns are in the players table)."""
    found = []
    ops = [op for op in operators if len(op.players) <= 1]
    for i, first in enumerate(ops):
        mine = _returns_by_episode(first)
        for second in ops[i + 1 :]:
            if second.task != first.task or second.operator_id == first.operator_id:
                continue
            theirs = _returns_by_episode(second)
            diffs = [
                mine[k][1] - theirs[k][1]
                for k in sorted(set(mine) & set(theirs))
                if mine[k][0] is not None and mine[k][0] == theirs[k][0]
            ]
            if diffs:
                found.append(
                    PairedDifference(first.label, second.label, first.task,
                                     t_interval(diffs))
                )  # fmt: skip
    return found


def _returns_by_episode(op: OperatorReport) -> dict[int, tuple[int | None, float]]:
    return dict(enumerate(zip(op.seeds, op.episode_returns, strict=True)))
