"""OpenSpiel board games through the runner (Shimmy's wrapper, put right by envs/openspiel.py).

Needs the `openspiel` extra; `.ci/run` installs it in its families venv and runs this file."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("shimmy", reason="Shimmy is not installed: pip install -e '.[openspiel]'")
pytest.importorskip("pyspiel", reason="OpenSpiel is not installed: pip install -e '.[openspiel]'")

from runtime_helpers import collect  # noqa: E402

from mosaic_tui.core import OperatorConfig, WorkerAssignment  # noqa: E402
from mosaic_tui.runtime import EpisodeEnded, OperatorRunner, StepTaken  # noqa: E402

PLAYERS = ("player_0", "player_1")


def game(task: str, **settings) -> OperatorConfig:
    random = WorkerAssignment("baseline_worker", "baseline", {"behavior": "random"})
    return OperatorConfig.multi_agent(
        "os", task, "openspiel", task, {p: random.copy() for p in PLAYERS}, env_settings=settings
    )


@pytest.mark.parametrize("task", ["OpenSpiel-tic_tac_toe", "OpenSpiel-connect_four"])
async def test_returns_are_the_games_own_once_and_a_finished_game_is_not_truncated(
    task: str, tmp_path: Path
) -> None:
    events = await collect(OperatorRunner(game(task), log_dir=tmp_path), list(range(12)))
    ends = [e for e in events if isinstance(e, EpisodeEnded)]
    assert len(ends) == 12
    for end in ends:  # Shimmy alone pays the loser twice (-2) and flags board-full as truncated
        assert end.terminated and not end.truncated
        assert end.rewards is not None and sorted(end.rewards.values()) in ([-1, 1], [0, 0])
    assert any(sorted(e.rewards.values()) == [-1, 1] for e in ends)  # someone won


async def test_the_position_is_text_and_moves_have_openspiels_names(tmp_path: Path) -> None:
    runner = OperatorRunner(game("OpenSpiel-tic_tac_toe"), log_dir=tmp_path, self_drive=False)
    await runner.start()
    try:
        await runner.reset(3)
        assert runner.board == ["...", "...", "..."]
        assert runner.moves is not None and len(runner.moves) == 9
        assert "x(1,1)" in runner.moves  # the centre, as OpenSpiel names it for the first player
        taken = await runner.step(runner.moves["x(1,1)"])
        assert isinstance(taken, StepTaken) and runner.board == ["...", ".x.", "..."]
        assert runner.to_move == "player_1" and "o(0,0)" in (runner.moves or {})
    finally:
        await runner.stop()


async def test_chance_and_game_settings(tmp_path: Path) -> None:
    dice = await collect(OperatorRunner(game("OpenSpiel-backgammon"), log_dir=tmp_path), [1, 2])
    again = await collect(OperatorRunner(game("OpenSpiel-backgammon"), log_dir=tmp_path), [1, 2])
    played = [(e.agent, e.action) for e in dice if isinstance(e, StepTaken)]
    assert played == [(e.agent, e.action) for e in again if isinstance(e, StepTaken)]
    ends = [e for e in dice if isinstance(e, EpisodeEnded)]
    assert len(ends) == 2 and all(sum(e.rewards.values()) == 0 for e in ends)
    small = OperatorRunner(game("OpenSpiel-hex", board_size=5), log_dir=tmp_path, self_drive=False)
    await small.start()
    try:
        await small.reset(0)
        assert len(small.moves or {}) == 25  # a 5x5 board, from the env settings
    finally:
        await small.stop()
