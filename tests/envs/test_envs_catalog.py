"""The env catalogue: families, how their players take turns, and what a missing extra says."""

from __future__ import annotations

import pytest

from mosaic_tui.envs import EnvError, catalog, check_task, env_settings, stepping, tasks


def test_stepping_follows_the_family_and_the_execution_mode() -> None:
    assert stepping("CartPole-v1") == "single_agent"
    assert stepping("tictactoe_v3") == "sequential"
    assert stepping("rps_v2", "parallel") == "simultaneous"
    assert stepping("cooperative_pong_v6", "aec") == "simultaneous"  # parallel-only family


def test_butterfly_games_are_listed_when_their_packages_are_there() -> None:
    assert "cooperative_pong_v6" in tasks("pettingzoo_butterfly")
    assert check_task("cooperative_pong_v6").kind == "parallel"


def test_a_multigrid_id_without_the_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = catalog.Family.installed
    monkeypatch.setattr(
        catalog.Family,
        "installed",
        property(lambda self: self.name != "multigrid" and real.fget(self)),
    )
    with pytest.raises(EnvError, match=r"mosaic_multigrid is not installed.*\[multigrid\]"):
        check_task("MosaicMultiGrid-S-2v2-IndAgObs-v1")


def test_a_view_size_is_refused_where_the_env_has_none() -> None:
    assert env_settings("MiniGrid-Empty-8x8-v0", {"agent_view_size": 5}) == {"agent_view_size": 5}
    with pytest.raises(EnvError, match="agent_view_size"):
        env_settings("MiniGrid-Empty-8x8-v0", None, view_size=5)
    # an unknown task passes through: the env worker names close matches
    assert env_settings("NoSuchTask-v0", {"a": 1}, view_size=5) == {"a": 1}


def test_continuous_control_tasks_are_not_listed_and_say_why() -> None:
    """Players here choose among discrete actions: Pendulum is refused up front, saying
    so, instead of passing the check and failing at start with a Box."""
    listed = tasks("classic_control")
    assert "CartPole-v1" in listed and "Pendulum-v1" not in listed
    assert "MountainCarContinuous-v0" not in listed
    with pytest.raises(EnvError, match="continuous") as refused:
        check_task("Pendulum-v1")
    assert "did you mean" not in str(refused.value)


def test_a_registered_task_no_family_plays_is_not_offered_back_as_a_suggestion() -> None:
    with pytest.raises(EnvError) as refused:
        check_task("GymV26Environment-v0")
    message = str(refused.value)
    assert "no installed family plays" in message and "did you mean" not in message
