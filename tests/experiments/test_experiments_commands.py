"""Command players and command env workers in experiment files: checked before anything runs."""

from __future__ import annotations

import sys

import pytest

from mosaic_tui.experiments import ExperimentError, parse

COMMAND = "python -m random_worker --run-id {run_id} --task {task} --interactive --seed 7"


def experiment(player: dict, **operator) -> dict:
    return {
        "operators": [
            {
                "id": "a",
                "env_name": "minigrid",
                "task": "MiniGrid-Empty-5x5-v0",
                "workers": {"agent": player},
                **operator,
            }
        ]
    }


def test_a_command_player_of_any_type_but_human() -> None:
    for kind in ("baseline", "llm", "rl", "vlm"):
        spec = parse(experiment({"type": kind, "command": COMMAND}))
        assignment = spec.operators[0].workers["agent"]
        assert (assignment.worker_id, assignment.worker_type) == ("command", kind)
        assert assignment.settings == {"command": COMMAND, "dialect": "auto"}


def test_an_env_command_and_its_dialect() -> None:
    spec = parse(
        experiment(
            {"type": "baseline"},
            env={"command": "python -m random_worker --task {task}", "dialect": "mosaic"},
        )
    )
    op = spec.operators[0]
    assert (op.env_command, op.env_dialect) == ("python -m random_worker --task {task}", "mosaic")
    assert parse(experiment({"type": "baseline"})).operators[0].env_command is None


@pytest.mark.parametrize(
    ("player", "operator", "where", "message"),
    [
        ({"type": "human", "command": COMMAND}, {}, "workers.agent.command", "runs no program"),
        (
            {"type": "baseline", "command": COMMAND, "behavior": "random"},
            {},
            "workers.agent.behavior",
            "on its command line",
        ),
        (
            {"type": "baseline", "command": "python -m w {tsak}"},
            {},
            "workers.agent.command",
            "unknown placeholder {tsak}",
        ),
        (
            {"type": "baseline", "command": COMMAND, "dialect": "gui"},
            {},
            "workers.agent.dialect",
            "not one of auto, mosaic, mosaic-tui",
        ),
        (
            {"type": "baseline"},
            {"env": {"dialect": "mosaic"}},
            "env.command",
            "required",
        ),
        (
            {"type": "baseline"},
            {"env": {"command": "python -m w", "shell": True}},
            "env.shell",
            "unknown key",
        ),
        (
            {"type": "baseline"},
            {"env": {"command": "python -m w --id {player_id}"}},
            "env.command",
            "an env has none",
        ),
        (
            {"type": "baseline"},
            {"env": {"command": "definitely-not-installed-worker --x"}},
            "env.command",
            "is not on PATH",
        ),
    ],
)
def test_a_bad_command_is_refused_at_its_key(
    player: dict, operator: dict, where: str, message: str
) -> None:
    with pytest.raises(ExperimentError) as info:
        parse(experiment(player, **operator))
    assert info.value.where == f"operators[0].{where}"
    assert message in info.value.message


def test_the_command_worker_without_a_command_says_what_it_needs() -> None:
    with pytest.raises(ExperimentError, match="needs command = '...'"):
        parse(experiment({"type": "baseline", "worker": "command"}))


def test_a_program_given_by_path_must_exist(tmp_path) -> None:
    program = tmp_path / "worker"
    with pytest.raises(ExperimentError, match="does not exist"):
        parse(experiment({"type": "baseline", "command": f"{program} --x"}))
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    parse(experiment({"type": "baseline", "command": f"{program} --x"}))
    parse(experiment({"type": "baseline", "command": f"{sys.executable} -m w"}))


def llm(**settings) -> dict:
    return {"type": "llm", "model": "m", "base_url": "http://127.0.0.1:9/v1", **settings}


def game(level: int, **players: dict) -> dict:
    return {
        "operators": [
            {
                "id": "ttt",
                "env_name": "pettingzoo_classic",
                "task": "tictactoe_v3",
                "coordination_level": level,
                "workers": players,
            }
        ]
    }


def test_a_role_reaches_an_llm_player_at_level_3() -> None:
    spec = parse(game(3, player_1=llm(role="defender"), player_2=llm()))
    assert spec.operators[0].workers["player_1"].settings["role"] == "defender"


@pytest.mark.parametrize(
    ("level", "player", "message"),
    [
        (1, llm(role="forward"), "only at coordination_level = 3"),
        (3, llm(role="forward", coordination_level=2), "only at coordination_level = 3"),
        (3, llm(role="goalie"), "is not one of forward, defender, lead, support"),
    ],
)
def test_a_role_the_worker_would_not_use_is_refused(level: int, player: dict, message: str) -> None:
    with pytest.raises(ExperimentError) as info:
        parse(game(level, player_1=player, player_2=llm()))
    assert message in str(info.value)
