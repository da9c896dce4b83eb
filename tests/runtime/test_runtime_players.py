"""Who sits in each seat: the decision-makers a runner builds from its config."""

from __future__ import annotations

from mosaic_tui.core import OperatorConfig, WorkerAssignment
from mosaic_tui.runtime import OperatorRunner
from mosaic_tui.runtime.players import SelfDriving, WorkerPlayer


def flag(player: object, name: str) -> str | None:
    assert isinstance(player, WorkerPlayer)
    argv = player.process.argv
    return argv[argv.index(name) + 1] if name in argv else None


def test_the_operators_coordination_level_reaches_its_llm_players() -> None:
    config = OperatorConfig.multi_agent(
        "op",
        "Two LLMs",
        "pettingzoo_classic",
        "tictactoe_v3",
        {
            "player_1": WorkerAssignment("llm_worker", "llm", {"model": "m"}),
            "player_2": WorkerAssignment(
                "llm_worker", "llm", {"model": "m", "coordination_level": 2}
            ),
        },
        coordination_level=3,
    )
    runner = OperatorRunner(config)
    assert flag(runner.players["player_1"], "--coordination-level") == "3"
    assert flag(runner.players["player_2"], "--coordination-level") == "2"  # its own wins
    assert config.workers["player_1"].settings == {"model": "m"}  # the config is not changed


def test_one_behaviour_for_every_seat_is_played_inside_the_env_worker() -> None:
    def game(second: str) -> OperatorConfig:
        return OperatorConfig.multi_agent(
            "op",
            "Baselines",
            "pettingzoo_classic",
            "tictactoe_v3",
            {
                "player_1": WorkerAssignment("baseline_worker", "baseline", {"behavior": "random"}),
                "player_2": WorkerAssignment("baseline_worker", "baseline", {"behavior": second}),
            },
        )

    same = OperatorRunner(game("random"))
    assert all(isinstance(p, SelfDriving) for p in same.players.values())
    assert same.self_driving
    mixed = OperatorRunner(game("cycling"))
    assert all(isinstance(p, WorkerPlayer) for p in mixed.players.values())
    assert flag(mixed.players["player_2"], "--behavior") == "cycling"
    assert mixed.mapping.operator_for("player_2") is mixed.players["player_2"]
