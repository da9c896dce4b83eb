"""Experiment files: the examples parse, and every mistake names its key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from mosaic_tui.envs import FAMILIES
from mosaic_tui.experiments import ExperimentError, load, parse

ROOT = Path(__file__).resolve().parents[2]


def minimal(**execution) -> dict:
    return {
        "execution": {"episodes": 2, **execution},
        "operators": [
            {
                "id": "a",
                "env_name": "minigrid",
                "task": "MiniGrid-Empty-8x8-v0",
                "workers": {"agent": {"type": "baseline", "behavior": "random"}},
            }
        ],
    }


#: Examples that need extras, and which: CI checks them in its venv that has every extra.
NEEDS = {
    "multigrid.toml": ("multigrid",),
    "more_families.toml": ("openspiel", "ini_multigrid", "overcooked"),
}


def _example(path: Path) -> object:
    missing = [f for f in NEEDS.get(path.name, ()) if not FAMILIES[f].installed]
    reason = f"{', '.join(missing)} not installed (CI checks this file in its families venv)"
    marks = pytest.mark.skipif(bool(missing), reason=reason)
    return pytest.param(path, id=path.name, marks=marks)


EXAMPLE_FILES = sorted([*(ROOT / "examples").glob("*.toml"), *(ROOT / "examples").glob("*.py")])


@pytest.mark.parametrize("path", [_example(p) for p in EXAMPLE_FILES])
def test_every_example_parses(path: Path) -> None:
    spec = load(path)
    assert spec.operators and len(spec.seeds) == spec.episodes


def test_brief_example_maps_onto_the_model() -> None:
    spec = load(ROOT / "examples" / "minigrid_baselines.toml")
    assert spec.episodes == 3 and spec.seeds == (1, 2, 3)
    op = spec.operators[0]
    assert (op.operator_id, op.env_name, op.task) == (
        "random_empty",
        "minigrid",
        "MiniGrid-Empty-8x8-v0",
    )
    assert op.max_steps == 50  # execution.max_steps reaches every operator
    agent = op.workers["agent"]
    assert (agent.worker_type, agent.worker_id, agent.settings) == (
        "baseline",
        "baseline_worker",
        {"behavior": "random"},
    )


def test_seed_gives_consecutive_seeds_and_default_starts_at_zero() -> None:
    assert parse(minimal(seed=10)).seeds == (10, 11)
    assert parse(minimal()).seeds == (0, 1)


@pytest.mark.parametrize(
    "change, where, message",
    [
        (
            lambda d: d["execution"].update(episods=3),
            "execution.episods",
            "did you mean 'episodes'",
        ),
        (lambda d: d["execution"].update(seeds=[1]), "execution.seeds", "1 seeds for 2 episodes"),
        (lambda d: d["execution"].update(seeds=[1, 2], seed=3), "execution", "either seeds"),
        (lambda d: d["execution"].update(episodes=0), "execution.episodes", ">= 1"),
        (lambda d: d["execution"].update(max_steps="50"), "execution.max_steps", "whole number"),
        (
            lambda d: d["operators"][0].update(task="MiniGrid-Empty-8x9-v0"),
            "operators[0].task",
            "did you mean MiniGrid-Empty-8x8-v0",
        ),
        (
            lambda d: d["operators"][0].update(env_name="babyai"),
            "operators[0].task",
            "belongs to family 'minigrid'",
        ),
        (
            lambda d: d["operators"][0].update(env_name="atari"),
            "operators[0].task",
            "unknown environment family 'atari'",
        ),
        (
            lambda d: d["operators"][0]["workers"]["agent"].update(type="robot"),
            "operators[0].workers.agent.type",
            "not one of llm, vlm, rl, human, baseline",
        ),
        (
            lambda d: d["operators"][0]["workers"]["agent"].update(behaviour="noop"),
            "operators[0].workers.agent",
            "did you mean 'behavior'",
        ),
        (
            lambda d: d["operators"][0]["workers"]["agent"].update(type="rl"),
            "operators[0].workers.agent",
            "rl_worker needs the setting(s) policy_path",
        ),
        (
            lambda d: d["operators"][0]["workers"]["agent"].update(
                type="rl", policy_path="no/such/policy.npz", behavior=None
            ),
            "operators[0].workers.agent.policy_path",
            "no policy file",
        ),
        (  # a VLM player is the LLM worker shown the frame: it needs a model like one
            lambda d: d["operators"][0]["workers"]["agent"].update(type="vlm"),
            "operators[0].workers.agent",
            "llm_worker needs the setting(s) model",
        ),
        (lambda d: d["operators"][0].update(colour="red"), "operators[0].colour", "unknown key"),
        (lambda d: d["operators"][0].pop("task"), "operators[0].task", "required"),
        (lambda d: d["operators"].append(dict(d["operators"][0])), "operators", "repeated: a"),
        (lambda d: d.update(operators=[]), "operators", "at least one"),
        (lambda d: d["operators"][0].update(max_steps=-1), "operators[0]", "max_steps"),
        (lambda d: d["operators"][0].update(max_steps=10**12), "operators[0]", "1,000,000,000"),
        (lambda d: d["execution"].update(max_steps=10**12), "execution.max_steps", "<="),
    ],
)
def test_mistakes_are_located(change, where: str, message: str) -> None:
    data = minimal()
    change(data)
    with pytest.raises(ExperimentError) as info:
        parse(data, source="x.toml")
    assert info.value.where == where
    assert message in str(info.value)
    assert str(info.value).startswith("x.toml: ")


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[execution\nepisodes = 1")
    with pytest.raises(ExperimentError, match="not valid TOML"):
        load(bad)
    with pytest.raises(ExperimentError, match="no such file"):
        load(tmp_path / "missing.toml")


def test_reference_style_keys_are_accepted() -> None:
    data = minimal()
    data["operators"][0]["workers"]["agent"] = {
        "worker_type": "baseline",
        "worker_id": "baseline_worker",
        "settings": {"behavior": "noop"},
    }
    op = parse(data).operators[0]
    assert op.workers["agent"].settings == {"behavior": "noop"}


def test_a_simultaneous_only_family_refuses_turns(tmp_path: Path) -> None:
    text = """
[[operators]]
id = "pong"
env_name = "pettingzoo_butterfly"
task = "cooperative_pong_v6"
execution_mode = "aec"
workers.paddle_0 = { type = "baseline" }
workers.paddle_1 = { type = "baseline" }
"""
    (tmp_path / "x.toml").write_text(text)
    with pytest.raises(ExperimentError, match=r"operators\[0\]\.execution_mode.*simultaneous only"):
        load(tmp_path / "x.toml")
    (tmp_path / "x.toml").write_text(text.replace('execution_mode = "aec"\n', ""))
    assert load(tmp_path / "x.toml").operators[0].execution_mode == "parallel"


def test_a_huge_episode_count_is_a_schedule_not_a_list() -> None:
    """Ten million seeds used to be a ten-million-item tuple built before anything ran."""
    spec = parse(minimal(episodes=10_000_000, seed=5))
    assert len(spec.seeds) == 10_000_000
    assert spec.seeds[0] == 5 and spec.seeds[-1] == 5 + 9_999_999
    assert spec.seeds.listed is None  # two numbers, however many episodes
    assert list(spec.seeds[2:4]) == [7, 8]
    with pytest.raises(IndexError):
        spec.seeds[10_000_000]


def test_an_absurd_episode_count_is_refused_before_anything_starts() -> None:
    with pytest.raises(ExperimentError) as info:
        parse(minimal(episodes=1_000_000_000))
    assert info.value.where == "execution.episodes" and "split" in str(info.value)
    with pytest.raises(ExperimentError, match="2\\*\\*63"):
        parse(minimal(seed=2**63 - 1))


def test_listed_seeds_are_kept_as_listed() -> None:
    spec = parse(minimal(seeds=[9, 4, 7]))
    assert spec.seeds == (9, 4)  # one per episode; the extra one is not used
    assert spec.seeds.listed == (9, 4)


def test_a_player_the_env_does_not_have_is_refused_at_validation() -> None:
    data = minimal()
    data["operators"][0]["workers"] = {"player_9": {"type": "baseline"}}
    with pytest.raises(ExperimentError) as info:
        parse(data)
    assert info.value.where == "operators[0].workers"
    assert "no player 'player_9'" in str(info.value) and "its players: agent" in str(info.value)


def test_a_multiplayer_seat_list_is_checked_against_the_env() -> None:
    data = minimal()
    data["operators"][0].update(env_name="pettingzoo_classic", task="tictactoe_v3")
    data["operators"][0]["workers"] = {
        "player_1": {"type": "baseline"},
        "player_3": {"type": "baseline"},
    }
    with pytest.raises(ExperimentError) as info:
        parse(data)
    assert "no player 'player_3'" in str(info.value) and "nobody plays player_2" in str(info.value)


def test_an_operator_without_workers_is_refused_not_run_as_a_baseline() -> None:
    data = minimal()
    del data["operators"][0]["workers"]
    with pytest.raises(ExperimentError) as info:
        parse(data)
    assert info.value.where == "operators[0].workers" and "required" in str(info.value)


@pytest.mark.parametrize("key", ["api_key", "OPENAI_API_KEY", "token"])
def test_an_api_key_in_a_file_is_refused_with_the_variable_to_use(key: str) -> None:
    data = minimal()
    data["operators"][0]["workers"]["agent"] = {"type": "llm", "model": "m", key: "sk-x"}
    with pytest.raises(ExperimentError) as info:
        parse(data)
    assert info.value.where == f"operators[0].workers.agent.{key}"
    assert "MOSAIC_TUI_LLM_API_KEY" in str(info.value) and "OPENAI_API_KEY" in str(info.value)
    assert "sk-x" not in str(info.value)


def test_a_file_nested_a_thousand_deep_gets_a_message(tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 1000 + "]" * 1000 + "\n")
    with pytest.raises(ExperimentError, match="nested too deeply"):
        load(deep)
    nested: dict = {}
    inner = nested
    for _ in range(1000):
        inner["a"] = {}
        inner = inner["a"]
    data = minimal()
    data["operators"][0]["workers"]["agent"]["settings"] = nested
    with pytest.raises(ExperimentError, match="nested too deeply"):
        parse(data)


@pytest.mark.parametrize(
    "bad_id", ["[/red]", "a b", "op\x1b]0;pwned\x07", "../x", "", "-lead", "é"]
)
def test_operator_ids_outside_the_safe_set_are_refused(bad_id: str) -> None:
    data = minimal()
    data["operators"][0]["id"] = bad_id
    with pytest.raises(ExperimentError) as info:
        parse(data)
    assert "letters, digits" in str(info.value) or "required" in str(info.value)
    assert "\x1b" not in str(info.value)


def test_control_characters_in_a_key_are_shown_not_sent() -> None:
    data = minimal()
    data["operators"][0]["bad\x1b]0;t\x07key"] = 1
    with pytest.raises(ExperimentError) as info:
        parse(data)
    assert "\x1b" not in str(info.value) and "\\x1b]0;t\\x07key" in str(info.value)


def test_a_coordination_level_needs_an_llm_player() -> None:
    data = minimal()
    data["operators"][0]["coordination_level"] = 2
    with pytest.raises(ExperimentError) as info:
        parse(data, source="x.toml")
    assert info.value.where == "operators[0].coordination_level"
    assert str(info.value).endswith(
        "coordination_level applies to LLM players; this operator has none:"
        " remove it or assign an LLM player"
    )
    data["operators"][0]["workers"]["agent"] = {"type": "llm", "model": "m"}
    assert parse(data).operators[0].coordination_level == 2
    data["operators"][0]["coordination_level"] = 7  # a bad level is still named as such
    with pytest.raises(ExperimentError, match="coordination_level must be 1, 2 or 3"):
        parse(data)


def test_a_list_of_seeds_without_episodes_plays_one_episode_per_seed() -> None:
    data = minimal(seeds=[5, 6, 7])
    del data["execution"]["episodes"]
    spec = parse(data)
    assert (spec.episodes, list(spec.seeds), spec.planned) == (3, [5, 6, 7], True)


def test_every_listed_seed_is_checked_even_past_the_episodes_played() -> None:
    with pytest.raises(ExperimentError) as info:
        parse(minimal(seeds=[1, 2, "x"]))  # episodes = 2: the third is not played
    assert info.value.where == "execution.seeds[2]"
    with pytest.raises(ExperimentError, match="leave `episodes` out to play one per seed"):
        parse(minimal(episodes=4, seeds=[1, 2, 3]))


def test_every_missing_family_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file using three families that are not installed names all three and one pip
    command, not one per try."""
    from mosaic_tui.envs import families

    gone = {"openspiel", "overcooked", "ini_multigrid"}
    monkeypatch.setattr(
        families.Family, "installed", property(lambda self: self.name not in gone)
    )
    ops = [
        {"id": f"op{i}", "env_name": name, "task": "x", "workers": {"a": {"type": "baseline"}}}
        for i, name in enumerate(["openspiel", "minigrid", "overcooked", "ini_multigrid"])
    ]
    with pytest.raises(ExperimentError) as refused:
        parse({"operators": ops})
    message = str(refused.value)
    assert "3 families are not installed" in message
    assert "openspiel (operators[0])" in message and "overcooked (operators[2])" in message
    assert "pip install 'mosaic-tui[ini_multigrid,openspiel,overcooked]'" in message
