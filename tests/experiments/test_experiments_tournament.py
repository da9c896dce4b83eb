"""Tournament files: every pair plays both sides on the same seeds; the standings (a W/D/L
matrix, OpenSkill ratings) agree with the recorded games counted here from the raw rows."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from mosaic_tui.experiments import ExperimentError, load, parse, run_experiment
from mosaic_tui.render.report import report_tables
from mosaic_tui.telemetry import TelemetryStore
from mosaic_tui.telemetry.report import build_report

LEAGUE = """
name = "league"
[tournament]
env_name = "pettingzoo_classic"
task = "tictactoe_v3"
games = 4
seed = 3
[players.random]
type = "baseline"
behavior = "random"
[players.cycling]
type = "baseline"
behavior = "cycling"
[players.also_random]
type = "baseline"
behavior = "random"
seed = 99
"""


def test_every_pair_plays_both_sides_on_the_same_seeds(tmp_path: Path) -> None:
    (tmp_path / "league.toml").write_text(LEAGUE)
    spec = load(tmp_path / "league.toml")
    ids = [op.operator_id for op in spec.operators]
    assert len(ids) == 6 and "random-vs-cycling" in ids and "cycling-vs-random" in ids
    op = next(o for o in spec.operators if o.operator_id == "cycling-vs-random")
    assert op.workers["player_1"].settings["behavior"] == "cycling"  # the first name: X
    assert [spec.seed_for(i) for i in range(spec.episodes)] == [3, 4, 5, 6]
    assert spec.tournament == {"players": ["random", "cycling", "also_random"],
                               "seats": ["player_1", "player_2"], "task": "tictactoe_v3",
                               "games": 4}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        ({"tournament": {"env_name": "pettingzoo_classic", "task": "tictactoe_v3", "gmaes": 3}},
         "tournament.gmaes", "unknown key"),
        ({"players": {"solo": {"type": "baseline"}}}, "players", "at least two"),
        ({"players": {"me": {"type": "human"}, "b": {"type": "baseline"}}}, "players.me.type",
         "no humans"),
        ({"tournament": {"env_name": "toytext", "task": "FrozenLake-v1"}}, "tournament.task",
         "two-player games"),
    ],
)  # fmt: skip
def test_a_tournament_that_cannot_be_played_says_where(change, where, message) -> None:
    data = {"tournament": {"env_name": "pettingzoo_classic", "task": "tictactoe_v3"},
            "players": {"a": {"type": "baseline"}, "b": {"type": "baseline"}}}  # fmt: skip
    data.update(change)
    with pytest.raises(ExperimentError) as info:
        parse(data)
    assert info.value.where == where and message in info.value.message


def test_standings_agree_with_the_recorded_games(tmp_path: Path) -> None:
    (tmp_path / "league.toml").write_text(LEAGUE)
    db = tmp_path / "runs.sqlite"
    with TelemetryStore.open(db) as store:
        result = asyncio.run(run_experiment(load(tmp_path / "league.toml"), store,
                                            log_dir=tmp_path))  # fmt: skip
        assert not result.failed
        report = build_report(store, result.session_id)
    found = report.standings
    assert found is not None and not found.unfinished
    wins: dict[tuple[str, str], int] = {}
    with sqlite3.connect(db) as conn:  # counted here from the raw rows
        for op_id, rewards in conn.execute(
            "SELECT r.operator_id, e.rewards FROM episodes e JOIN runs r USING (run_id)"
        ):
            first, second = op_id.split("-vs-")
            each = json.loads(rewards)
            if each["player_1"] > each["player_2"]:
                wins[first, second] = wins.get((first, second), 0) + 1
            elif each["player_2"] > each["player_1"]:
                wins[second, first] = wins.get((second, first), 0) + 1
    for a in found.players:
        for b in found.players:
            if a != b:
                assert found.matrix[a][b].wins == wins.get((a, b), 0)
                assert found.matrix[a][b].losses == found.matrix[b][a].wins
                assert found.matrix[a][b].games == 8  # 4 games a side
    assert [r.ordinal for r in found.ratings] == sorted((r.ordinal for r in found.ratings),
                                                        reverse=True)  # fmt: skip
    best = max(found.players, key=lambda p: sum(r.wins for r in found.matrix[p].values()))
    worst = min(found.players, key=lambda p: sum(r.wins for r in found.matrix[p].values()))
    rank = {r.player: i for i, r in enumerate(found.ratings)}
    assert rank[best] < rank[worst]
    from rich.console import Console

    console = Console(width=100, record=True)
    console.print(report_tables(report, 100))
    text = console.export_text()
    assert "Wins/draws/losses" in text and "Ratings" in text
