"""Game profiles: every fact about a game in one place, read by keys, boards, form and catalog."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from env_worker import boards

from mosaic_tui.app.screens import configure
from mosaic_tui.envs import FAMILIES, keymaps, profiles
from mosaic_tui.envs.profiles import PROFILES, GameProfile, KeyBinding, profile


def test_every_profile_is_complete_and_reachable() -> None:
    names = [p.name for p in PROFILES]
    assert len(names) == len(set(names)), "two profiles share a name"
    for game in PROFILES:
        assert game.prefixes, f"{game.name} covers no task ids"
        for prefix in game.prefixes:  # no earlier profile shadows this one
            assert profile(prefix + "-v0") is game, f"{prefix} is taken by another profile"
        assert game.family in FAMILIES or game.family == "", f"{game.name}: unknown family"
        if game.labels:  # keys name actions the game has
            assert {b.action for b in game.keys} <= set(game.labels), game.name
        keys = [b.key for b in game.keys]
        assert len(keys) == len(set(keys)), f"{game.name} binds a key twice"
        if game.typed:
            assert game.move_hint and game.board, f"{game.name}: typed moves need a hint and names"
        if game.board is not None:  # the env worker draws it and names its moves
            assert game.board in boards.BOARDS and game.board in boards.MOVES, game.name
            assert game.sides, f"{game.name}: a board game names its sides"
        assert set(game.form_fields) <= {"view_size", "observation_mode"}, game.name
    for family in FAMILIES:  # one default task per family at most
        defaults = [p.default_task for p in PROFILES if p.family == family and p.default_task]
        assert len(defaults) <= 1, f"{family} has several default tasks: {defaults}"


def test_unknown_tasks_get_the_generic_profile() -> None:
    assert profile("Unknown-v0") is profiles.GENERIC
    assert keymaps.keymap("Unknown-v0", ["a", "b"]) == {"1": 0, "2": 1}
    assert keymaps.move_name("Unknown-v0", 1, "b") == "b"
    assert boards.text_board("Unknown-v0", object()) is None


MYTOE = GameProfile(
    "mytoe",
    ("MyToe-",),
    family="minigrid",
    keys=(KeyBinding("x", "mark", "x"),),
    legend="1-9 mark a cell",
    sides={"player_1": "cross"},
    board="tictactoe",
    digit_action=profiles.ttt_action,
    move_name=lambda action: f"cell {profiles.ttt_cell(action)}",
    default_task="MyToe-v1",
    form_fields=("view_size",),
)


@pytest.fixture
def mytoe(monkeypatch: pytest.MonkeyPatch) -> GameProfile:
    """A game added by one new profile, placed first so it also wins the family default."""
    monkeypatch.setattr(profiles, "PROFILES", (MYTOE, *PROFILES))
    return MYTOE


def test_a_new_profile_drives_keys_legend_sides_and_move_names(mytoe: GameProfile) -> None:
    task = "MyToe-v1"
    keys = keymaps.keymap(task, ["a"] * 9)
    assert keys["1"] == 0 and keys["2"] == 3  # by keypad cell, from the profile
    assert keymaps.legend(task, ["mark"]) == "1-9 mark a cell"
    assert keymaps.side(task, "player_1") == "cross"
    assert keymaps.move_name(task, 3) == "cell 2"
    assert not keymaps.typed(task) and keymaps.move_hint(task) == "a move"


def test_a_new_profile_picks_its_board_and_move_names(mytoe: GameProfile) -> None:
    squares = [1, 0, 0, 0, 2, 0, 0, 0, 0]  # by column, as PettingZoo stores them
    env = SimpleNamespace(unwrapped=SimpleNamespace(board=SimpleNamespace(squares=squares)))
    assert boards.text_board("MyToe-v1", env) == ["X 2 3", "4 O 6", "7 8 9"]
    mask = [0, 1, 0, 1, 0, 0, 0, 0, 0]
    assert boards.named_moves("MyToe-v1", env, mask, "player_1") == {"4": 1, "2": 3}


def test_a_new_profile_sets_the_form_default_fields_and_family(
    mytoe: GameProfile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(configure, "tasks", lambda family: ["A-v0", "MyToe-v1"])
    assert configure.ConfigureScreen._default_task("minigrid") == "MyToe-v1"
    assert profiles.form_fields("minigrid") == {"view_size"}
    assert FAMILIES["minigrid"].owns("MyToe-v1", "")  # the catalog files it under its family


def test_without_a_default_the_form_picks_the_first_task(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(configure, "tasks", lambda family: ["b_v1", "c_v1"])
    assert configure.ConfigureScreen._default_task("pettingzoo_classic") == "b_v1"
    monkeypatch.setattr(configure, "tasks", lambda family: ["CartPole-v1", "Acrobot-v1"][::-1])
    assert configure.ConfigureScreen._default_task("classic_control") == "CartPole-v1"
