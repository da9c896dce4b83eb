"""`report`'s numbers, checked against values computed here independently: from the raw steps
table (rewards summed per episode and per player), with the textbook t-interval."""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import sqlite3
import statistics
from collections import defaultdict
from pathlib import Path

import pytest
from scipy.stats import t

from mosaic_tui.experiments import load, parse, run_experiment
from mosaic_tui.telemetry import TelemetryStore
from mosaic_tui.telemetry.report import build_report, t_interval

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "examples" / "policies"


def spec(episodes: int = 8):
    return parse(
        {
            "execution": {"episodes": episodes, "seeds": list(range(100, 100 + episodes))},
            "operators": [
                {"id": "rl", "env_name": "toytext", "task": "FrozenLake-v1",
                 "workers": {"agent": {"type": "rl",
                                       "policy_path": str(POLICIES / "frozenlake_qtable.npz")}}},
                {"id": "random", "env_name": "toytext", "task": "FrozenLake-v1",
                 "workers": {"agent": {"type": "baseline", "behavior": "random"}}},
                {"id": "ttt", "env_name": "pettingzoo_classic", "task": "tictactoe_v3",
                 "workers": {"player_1": {"type": "baseline", "behavior": "random"},
                             "player_2": {"type": "baseline", "behavior": "cycling"}}},
            ],
        }
    )  # fmt: skip


def raw_returns(db: Path, run_id: str) -> tuple[dict[int, float], dict[str, dict[int, float]]]:
    """Per episode the summed reward, and per player, straight from the steps table (a
    turn-based game's row keeps every player's reward of that step in `extra.rewards`)."""
    total: dict[int, float] = defaultdict(float)
    players: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    with sqlite3.connect(db) as conn:
        for episode, agent, reward, extra in conn.execute(
            "SELECT episode_index, agent, reward, extra FROM steps WHERE run_id = ?", (run_id,)
        ):
            each = (json.loads(extra) or {}).get("rewards") if extra else None
            for who, value in (each or {agent: reward}).items():
                total[episode] += value
                players[who][episode] += value
    return dict(total), {a: dict(v) for a, v in players.items()}


def textbook(values: list[float]) -> tuple[float, float, float]:
    mean = statistics.fmean(values)
    half = t.ppf(0.975, len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return mean, mean - half, mean + half


def test_the_report_agrees_with_the_raw_steps(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    with TelemetryStore.open(db) as store:
        result = asyncio.run(run_experiment(spec(), store, log_dir=tmp_path))
        assert not result.failed
        report = build_report(store, result.session_id)
    ops = {op.operator_id: op for op in report.operators}
    returns = {}
    for op_id, op in ops.items():
        total, players = raw_returns(db, op.run_id)
        values = [total[i] for i in sorted(total)]
        returns[op_id] = values
        if len(set(values)) > 1:  # a spread to check the interval on
            assert (op.returns.mean, op.returns.low, op.returns.high) == pytest.approx(
                textbook(values)
            )
        assert op.returns.mean == pytest.approx(statistics.fmean(values))
        with sqlite3.connect(db) as conn:
            (steps,) = conn.execute(
                "SELECT COUNT(*) FROM (SELECT DISTINCT episode_index, step_index FROM steps"
                " WHERE run_id = ?)", (op.run_id,)).fetchone()  # fmt: skip
        assert op.episodes == 8 and op.steps == steps
        for player in op.players:
            mine = [players[player.agent][i] for i in sorted(players[player.agent])]
            assert player.returns.mean == pytest.approx(statistics.fmean(mine))
    assert {p.agent for p in ops["ttt"].players} == {"player_1", "player_2"}
    (diff,) = report.differences  # only the two FrozenLake operators share a task
    assert (diff.first, diff.second, diff.difference.n) == ("rl", "random", 8)
    paired = [a - b for a, b in zip(returns["rl"], returns["random"], strict=True)]
    assert diff.difference.mean == pytest.approx(statistics.fmean(paired))
    if len(set(paired)) > 1:
        assert (diff.difference.low, diff.difference.high) == pytest.approx(textbook(paired)[1:])


def test_operators_on_other_seeds_are_not_paired() -> None:
    from mosaic_tui.telemetry.report import OperatorReport, paired_differences

    def op(op_id: str, seeds: list[int], returns: list[float]) -> OperatorReport:
        return OperatorReport(
            "r-" + op_id, op_id, op_id, "toytext", "T", "finished", None,
            t_interval(returns), None, 1.0, 1, None, [], seeds, returns,
        )  # fmt: skip

    a = op("a", [1, 2, 3], [1.0, 0.0, 1.0])
    b = op("b", [1, 2, 9], [0.0, 0.0, 5.0])  # seed 9 is not seed 3: two pairs only
    c = op("c", [7, 8, 9], [0.0, 0.0, 0.0])  # no seed in common with a at the same episode
    (d,) = [x for x in paired_differences([a, b, c]) if (x.first, x.second) == ("a", "b")]
    assert d.difference.n == 2 and d.difference.mean == pytest.approx(0.5)
    assert not [x for x in paired_differences([a, c])]


def test_operators_of_several_players_are_not_paired() -> None:
    """A zero-sum game's operator returns 0 every episode (its players' sum): fifteen rows of
    "0 ± 0, no clear difference" in a tournament's report compared nothing."""
    from mosaic_tui.telemetry.report import OperatorReport, PlayerReport, paired_differences

    def op(op_id: str, seats: int, returns: list[float]) -> OperatorReport:
        players = [PlayerReport(f"player_{i}", t_interval(returns)) for i in range(seats)]
        return OperatorReport(
            "r-" + op_id, op_id, op_id, "classic", "T", "finished", None,
            t_interval(returns), None, 1.0, 1, None, players, [1, 2], returns,
        )  # fmt: skip

    one, other = op("one", 1, [1.0, 0.0]), op("other", 1, [0.0, 0.0])
    assert [(d.first, d.second) for d in paired_differences([one, other])] == [("one", "other")]
    games = [op("ppo_vs_random", 2, [0.0, 0.0]), op("random_vs_ppo", 2, [0.0, 0.0])]
    assert paired_differences([*games, one]) == []


def test_a_session_records_how_it_was_made(tmp_path: Path) -> None:
    path = ROOT / "examples" / "toytext_sweep.toml"
    experiment = load(path)
    with TelemetryStore.open(tmp_path / "runs.sqlite") as store:
        one = parse({"execution": {"episodes": 1}, "operators": [
            {"id": "a", "env_name": "toytext", "task": "FrozenLake-v1",
             "workers": {"agent": {"type": "baseline"}}}]})  # fmt: skip
        result = asyncio.run(run_experiment(one, store, log_dir=tmp_path))
        meta = store.session(result.session_id).meta  # type: ignore[union-attr]
    assert meta["versions"]["gymnasium"] and meta["versions"]["python"]
    assert meta["seeds"] == {"start": 0, "step": 1, "count": 1}
    assert meta["file_sha256"] is None  # parsed from a dict: no file
    assert experiment.digest == hashlib.sha256(path.read_bytes()).hexdigest()
