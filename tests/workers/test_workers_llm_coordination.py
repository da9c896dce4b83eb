"""--coordination-level changes what the LLM player is told: nothing at level 1, team-play
hints at 2, and a role at 3: --role, or by seat (forward and defender in team sports, as the
reference assigns them; lead and support elsewhere)."""

from __future__ import annotations

import pytest
from llm_worker.cli import parser
from llm_worker.mock_server import start
from llm_worker.prompt import COORDINATION_HINTS, Game, role_of, system_prompt

from mosaic_tui.runtime import LaunchError
from mosaic_tui.runtime.launcher import worker

BASE = (
    "You are playing Soccer-2v2 as agent_1 on the green team. Each turn you are shown the state"
    " and the legal actions. Answer with exactly one legal action, written as it appears in the"
    " list, and nothing else (or, after any reasoning, end with a line `ACTION: <action>`)."
)


def game(level: int, player: str = "agent_1", team: str | None = "green") -> Game:
    return Game("Soccer-2v2", player, ["noop", "left"], team, coordination_level=level)


def test_level_1_adds_nothing_to_the_prompt() -> None:
    assert system_prompt(game(1)) == BASE


def test_level_2_adds_team_play_hints_and_no_role() -> None:
    prompt = system_prompt(game(2))
    assert prompt.startswith(BASE) and COORDINATION_HINTS in prompt
    assert "same cell" in prompt and "duplicate" in prompt
    assert "Your role" not in prompt


def test_level_3_adds_a_role_with_the_player_and_its_team() -> None:
    prompt = system_prompt(game(3))
    assert prompt.startswith(BASE) and COORDINATION_HINTS in prompt
    assert "Your role: you are agent_1 of the green team, the defender." in prompt
    forward = system_prompt(game(3, player="agent_0", team=None))
    assert "Your role: you are agent_0, the forward." in forward and "of the" not in forward


def test_a_given_role_wins_over_the_seat() -> None:
    chosen = Game("Soccer-2v2", "agent_0", ["noop"], "green", coordination_level=3, role="defender")
    assert "you are agent_0 of the green team, the defender. Defend:" in system_prompt(chosen)
    elsewhere = Game("Collect", "agent_3", ["noop"], None, coordination_level=3, role="lead")
    assert "you are agent_3, the lead. Take the initiative" in system_prompt(elsewhere)


@pytest.mark.parametrize(
    ("player", "role"),
    [("agent", "lead"), ("player_0", "lead"), ("player_1", "support"), ("agent_3", "support")],
)
def test_roles_follow_seat_order(player: str, role: str) -> None:
    assert role_of(player) == role
    assert role_of(player, "MosaicMultiGrid-Collect-2vs2-v0") == role


@pytest.mark.parametrize(
    ("player", "role"),
    [
        ("agent_0", "forward"),
        ("agent_1", "defender"),
        ("agent_2", "forward"),
        ("agent_3", "defender"),
    ],
)
def test_team_sports_get_the_references_roles_by_seat(player: str, role: str) -> None:
    assert role_of(player, "MosaicMultiGrid-Soccer-2vs2-IndAgObs-v0") == role
    assert role_of(player, "MosaicMultiGrid-Basketball-3vs3-v0") == role


@pytest.mark.parametrize("level", [1, 2, 3])
def test_the_worker_accepts_each_level(level: int) -> None:
    args = parser().parse_args(
        ["--run-id", "r", "--model", "m", "--coordination-level", str(level)]
    )
    assert args.coordination_level == level
    assert parser().parse_args(["--run-id", "r", "--model", "m"]).coordination_level == 1


@pytest.mark.parametrize("value", ["0", "4", "2.5", "two"])
def test_the_worker_refuses_other_levels(value: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exited:
        parser().parse_args(["--run-id", "r", "--model", "m", "--coordination-level", value])
    assert exited.value.code == 2
    assert "--coordination-level" in capsys.readouterr().err


def test_the_launcher_passes_the_level_and_refuses_a_bad_one() -> None:
    argv, _env = worker("llm_worker").command(
        "r", {"model": "m", "coordination_level": 2}, player_id="p"
    )
    assert argv[argv.index("--coordination-level") + 1] == "2"
    with pytest.raises(LaunchError, match="coordination_level.*1, 2, 3"):
        worker("llm_worker").command("r", {"model": "m", "coordination_level": 5}, player_id="p")


@pytest.mark.parametrize(
    ("level", "flags", "role"),
    [(1, (), "forward"), (3, (), "forward"), (3, ("--role", "defender"), "defender")],
)
def test_the_endpoint_gets_the_prompt_of_the_level(
    spawn, level: int, flags: tuple[str, ...], role: str
) -> None:
    server, url = start("first", seed=1)
    try:
        client = spawn(
            "llm_worker",
            "--model",
            "mock",
            "--base-url",
            url,
            "--timeout",
            "5",
            "--coordination-level",
            str(level),
            *flags,
        )
        client.read_type("init")
        init = {
            "cmd": "init_agent",
            "player_id": "agent_0",
            "game": "Soccer-2v2",
            "action_space": {"type": "discrete", "n": 2},
            "labels": ["noop", "left"],
            "team": "blue",
            "req": 1,
        }
        client.request(init, "agent_ready")
        client.request({"cmd": "select_action", "action_mask": [1, 1], "req": 2}, "action_selected")
        prompts = server.RequestHandlerClass.system_prompts
        assert len(prompts) == 1
        told = f"Your role: you are agent_0 of the blue team, the {role}."
        assert (told in prompts[0]) == (level == 3)
        assert (COORDINATION_HINTS in prompts[0]) == (level == 3)
    finally:
        server.shutdown()
