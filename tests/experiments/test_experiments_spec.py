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


def _example(path: Path) -> object:
    needs_extra = path.name == "multigrid.toml" and not FAMILIES["multigrid"].installed
    reason = "mosaic-multigrid is not installed (CI checks this file in its multigrid venv)"
    return pytest.param(path, id=path.name, marks=pytest.mark.skipif(needs_extra, reason=reason))


@pytest.mark.parametrize("path", [_example(p) for p in sorted((ROOT / "examples").glob("*.toml"))])
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
            "no rl worker is available",
        ),
        (lambda d: d["operators"][0].update(colour="red"), "operators[0].colour", "unknown key"),
        (lambda d: d["operators"][0].pop("task"), "operators[0].task", "required"),
        (lambda d: d["operators"].append(dict(d["operators"][0])), "operators", "repeated: a"),
        (lambda d: d.update(operators=[]), "operators", "at least one"),
        (lambda d: d["operators"][0].update(max_steps=-1), "operators[0]", "max_steps"),
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
