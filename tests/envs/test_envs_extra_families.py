"""The families seed 004 names that come as extras: known to the catalogue whether installed or
not, and refused with the command that installs them when they are missing."""

from __future__ import annotations

import dataclasses

import pytest

from mosaic_tui.envs import FAMILIES, EnvError, check_task, profiles, tasks

EXTRAS = {
    "openspiel": ("OpenSpiel-chess", "openspiel", "aec"),
    "ini_multigrid": ("MultiGrid-Empty-8x8-v0", "ini_multigrid", "parallel"),
    "overcooked": ("Overcooked-cramped_room", "overcooked", "parallel"),
}


@pytest.mark.parametrize("name", list(EXTRAS))
def test_a_missing_family_is_refused_naming_its_extra(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    task, extra, kind = EXTRAS[name]
    fam = FAMILIES[name]
    assert (fam.extra, fam.kind) == (extra, kind)
    assert task in fam.tasks and fam.smoke_task in fam.tasks
    missing = dataclasses.replace(fam, requires=("no_such_module_for_this_test",))
    monkeypatch.setitem(FAMILIES, name, missing)
    assert tasks(name) == []
    with pytest.raises(EnvError, match=rf"pip install 'mosaic-tui\[{extra}\]'"):
        check_task(task)


@pytest.mark.parametrize("name", list(EXTRAS))
def test_each_family_has_its_profile(name: str) -> None:
    task = EXTRAS[name][0]
    game = profiles.profile(task)
    assert game.family == name and game.default_task in FAMILIES[name].tasks
    if name == "openspiel":
        assert game.typed and game.board == "openspiel"  # typed moves on a text board
    else:
        assert {k.action for k in game.keys} <= set(game.labels)  # arrow keys and friends


def test_the_families_do_not_take_each_others_tasks() -> None:
    owners = {
        task: [f.name for f in FAMILIES.values() if f.owns(task, "")]
        for task in ("MultiGrid-Empty-8x8-v0", "MosaicMultiGrid-S-2v2-IndAgObs-v1", "chess_v6")
    }
    assert owners["MultiGrid-Empty-8x8-v0"] == ["ini_multigrid"]
    assert "ini_multigrid" not in owners["MosaicMultiGrid-S-2v2-IndAgObs-v1"]
    assert "openspiel" not in owners["chess_v6"]
