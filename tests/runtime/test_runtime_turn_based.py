"""Turn-based (PettingZoo AEC) operators: each player's decision-maker in turn, legal moves only."""

from __future__ import annotations

from pathlib import Path

import pytest
from runtime_helpers import collect

from mosaic_tui.core import OperatorConfig, WorkerAssignment
from mosaic_tui.runtime import (
    EpisodeEnded,
    HumanKeyboard,
    OperatorRunner,
    RunnerEvent,
    StepTaken,
)


def game(task: str, first: str, second: str, agents: tuple[str, str]) -> OperatorConfig:
    return OperatorConfig.multi_agent(
        "g",
        "G",
        "pettingzoo_classic",
        task,
        {
            agents[0]: WorkerAssignment("baseline_worker", "baseline", {"behavior": first}),
            agents[1]: WorkerAssignment("baseline_worker", "baseline", {"behavior": second}),
        },
    )


def human_vs_baseline(behavior: str = "random") -> OperatorConfig:
    """Tic-tac-toe: a human as player_1 against a baseline decision worker."""
    return OperatorConfig.multi_agent(
        "ttt",
        "T",
        "pettingzoo_classic",
        "tictactoe_v3",
        {
            "player_1": WorkerAssignment("human", "human"),
            "player_2": WorkerAssignment("baseline_worker", "baseline", {"behavior": behavior}),
        },
    )


async def test_players_alternate_and_the_game_ends_with_per_player_rewards(tmp_path: Path) -> None:
    events = await collect(
        OperatorRunner(
            game("tictactoe_v3", "random", "random", ("player_1", "player_2")), log_dir=tmp_path
        ),
        [1, 2, 3],
    )
    steps = [e for e in events if isinstance(e, StepTaken)]
    ended = [e for e in events if isinstance(e, EpisodeEnded)]
    assert len(ended) == 3
    for episode in range(3):
        movers = [s.agent for s in steps if s.episode == episode]
        assert movers[:4] == ["player_1", "player_2", "player_1", "player_2"]
        cells = [s.action for s in steps if s.episode == episode]
        assert len(cells) == len(set(cells))  # a cell is never played twice: legal moves only
    for end in ended:
        assert set(end.rewards or {}) == {"player_1", "player_2"}
        assert sum((end.rewards or {}).values()) == 0  # zero-sum: a win, a loss, or a draw


async def test_a_team_of_different_baselines_uses_a_decision_worker_per_player(
    tmp_path: Path,
) -> None:
    runner = OperatorRunner(
        game("connect_four_v3", "cycling", "random", ("player_0", "player_1")), log_dir=tmp_path
    )
    assert not runner.self_driving
    events = await collect(runner, [5])
    steps = [e for e in events if isinstance(e, StepTaken)]
    cycling = [s.action for s in steps if s.agent == "player_0"]
    assert cycling[:3] == [0, 1, 2]  # cycling plays columns in turn (none is full yet)
    assert any(isinstance(e, EpisodeEnded) for e in events)


async def test_same_seeds_same_game(tmp_path: Path) -> None:
    cfg = game("connect_four_v3", "random", "random", ("player_0", "player_1"))
    one = await collect(OperatorRunner(cfg, log_dir=tmp_path), [7, 8])
    two = await collect(OperatorRunner(cfg, log_dir=tmp_path), [7, 8], stream=False)
    table = lambda ev: [
        (e.episode, e.agent, e.action)
        for e in ev  # noqa: E731
        if isinstance(e, StepTaken)
    ]
    assert table(one) == table(two) and table(one)


async def test_a_human_against_a_baseline_by_key(tmp_path: Path) -> None:
    from mosaic_tui.runtime import Session

    cfg = human_vs_baseline()
    session = Session(log_dir=tmp_path, seed=3)
    steps: list[StepTaken] = []
    session.listeners.append(lambda e: steps.append(e) if isinstance(e, StepTaken) else None)
    try:
        runner = await session.add(cfg)
        assert runner.to_move == "player_1" and runner.human_to_move
        assert await session.press("ttt", 4) is None  # the centre
        # the baseline answered at once, with a legal move, and it is the human's turn again
        assert [s.agent for s in steps] == ["player_1", "player_2"]
        assert steps[1].action != 4 and runner.to_move == "player_1"
        refused = await session.press("ttt", 4)  # taken: refused, the operator is fine
        # named as the human pressed it (cell 5), with the cells still free, in order
        said, listed = refused.split("; legal: ")
        assert said == "5 is not allowed now"
        cells = listed.split(", ")
        assert len(cells) == 7 and "5" not in cells and cells == sorted(cells)
        assert runner.state.value != "error" and len(steps) == 2
    finally:
        await session.stop_all()


@pytest.mark.subprocess
async def test_a_seat_whose_worker_dies_stops_the_game_with_its_name(tmp_path: Path) -> None:
    import os
    import signal

    import pytest

    from mosaic_tui.runtime import OperatorFailed, WorkerError

    runner = OperatorRunner(
        game("connect_four_v3", "cycling", "random", ("player_0", "player_1")), log_dir=tmp_path
    )
    events: list[RunnerEvent] = []
    runner.listeners.append(events.append)
    await runner.start()
    try:
        await runner.reset(1)
        await runner.step()  # player_0 moved; player_1 is next
        seat = runner.players["player_1"]
        os.kill(seat.process.pid, signal.SIGKILL)  # type: ignore[attr-defined]
        with pytest.raises(WorkerError, match=r"baseline_worker\[player_1\]"):
            await runner.step()
        failed = [e for e in events if isinstance(e, OperatorFailed)]
        assert len(failed) == 1 and "player_1" in failed[0].message
        assert runner.state.value == "error"
    finally:
        await runner.stop()
    assert not runner.env_process.alive


def test_each_seat_is_routed_through_the_policy_mapping() -> None:
    from mosaic_tui.runtime.players import HumanPlayer, WorkerPlayer

    runner = OperatorRunner(human_vs_baseline("noop"), keyboard=HumanKeyboard())
    assert runner.mapping.get_binding("player_2").policy_id == "baseline_worker:player_2"
    assert runner.mapping.get_binding("player_1").policy_id == "human:player_1"
    assert isinstance(runner.mapping.operator_for("player_1"), HumanPlayer)
    assert isinstance(runner.mapping.operator_for("player_2"), WorkerPlayer)
    assert runner.mapping.paradigm.value == "sequential"


async def test_step_all_steps_an_ai_whose_turn_it_is_even_if_a_human_sits_first(
    tmp_path: Path,
) -> None:
    """Whether to wait for a key depends on who moves now, not on who sits first (a human who
    has dropped out of a game must not freeze it)."""
    from mosaic_tui.runtime import Session

    cfg = human_vs_baseline()
    session = Session(log_dir=tmp_path, seed=3)
    try:
        runner = await session.add(cfg)
        await runner.step(4)  # the human's move went in directly: the AI is to move
        assert runner.to_move == "player_2" and runner.player.agent == "player_1"
        await session.step_all()
        assert runner.step_index == 2 and runner.to_move == "player_1"
    finally:
        await session.stop_all()
