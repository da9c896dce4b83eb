"""The reference platform's Python experiment scripts, read by parsing (never running) them,
and `environment_mode` (fixed / procedural) in scripts and TOML files alike."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mosaic_tui.experiments import ExperimentError, load, parse, run_experiment
from mosaic_tui.telemetry import TelemetryStore

ROOT = Path(__file__).resolve().parents[2]

# The shape reference-dialect.md shows (script mode), as a researcher would have it.
SCRIPT = '''"""Two scripted baselines on MiniGrid."""
operators = [
    {"id": "rand", "name": "Random", "env_name": "minigrid", "task": "MiniGrid-Empty-8x8-v0",
     "max_steps": 6,
     "workers": {"agent": {"type": "random", "seed": 42}}},
    {"id": "still", "name": "Passive", "env_name": "minigrid",
     "task": "MiniGrid-Empty-8x8-v0", "max_steps": 6,
     "workers": {"agent": {"type": "passive"}}},
]
execution = {"auto_run": False, "num_episodes": 3, "seeds": range(1000, 1010),
             "environment_mode": "MODE"}
'''


def script(tmp_path: Path, mode: str = "procedural", text: str = SCRIPT) -> Path:
    path = tmp_path / "experiment.py"
    path.write_text(text.replace("MODE", mode))
    return path


def test_a_reference_script_reads_as_an_experiment(tmp_path: Path) -> None:
    spec = load(script(tmp_path))
    assert [op.operator_id for op in spec.operators] == ["rand", "still"]
    rand, still = (op.workers["agent"] for op in spec.operators)
    assert (rand.worker_type, rand.settings) == ("baseline", {"behavior": "random", "seed": 42})
    assert (still.worker_type, still.settings["behavior"]) == ("baseline", "noop")
    assert spec.episodes == 3 and list(spec.seeds) == [1000, 1001, 1002]
    assert spec.auto_run is False and spec.operators[0].max_steps == 6


def test_fixed_plays_every_episode_on_the_first_seed(tmp_path: Path) -> None:
    spec = load(script(tmp_path, "fixed"))
    assert list(spec.seeds) == [1000, 1000, 1000]
    with TelemetryStore.open(tmp_path / "runs.sqlite") as store:
        result = asyncio.run(run_experiment(spec, store, log_dir=tmp_path / "logs"))
        assert len(result.outcomes) == 2 and not result.failed
        for outcome in result.outcomes:
            seeds = [e.seed for e in store.episodes(outcome.run_id)]
            assert seeds == [1000, 1000, 1000], outcome.config.operator_id


def test_environment_mode_works_in_toml_too() -> None:
    base = {"operators": [{
        "id": "a", "env_name": "toytext", "task": "FrozenLake-v1",
        "workers": {"agent": {"type": "baseline", "behavior": "random"}},
    }]}  # fmt: skip
    fixed = parse({**base, "execution": {"episodes": 4, "seed": 9, "environment_mode": "fixed"}})
    assert list(fixed.seeds) == [9, 9, 9, 9] and list(fixed.seeds[1:3]) == [9, 9]
    procedural = parse({**base, "execution": {"episodes": 3, "seed": 9}})
    assert list(procedural.seeds) == [9, 10, 11]
    with pytest.raises(ExperimentError, match="'random' is not one of procedural, fixed"):
        parse({**base, "execution": {"environment_mode": "random"}})


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("import os\noperators = []\n", 1, "only `operators = [...]` and `execution = {...}`"),
        ('operators = [{"id": open("x").read()}]\n', 1, "is not a literal"),
        ("x = 1\n", 1, "only `operators = [...]`"),
        ('\n\nprint("ran")\n', 3, "only `operators = [...]`"),
        ("operators = [\n", 1, "not valid Python"),
        ("operators = list(range(10**9))\n", 1, "is not a literal"),
        ("operators = range(0, 20_000_000)\n", 1, "at most 10,000,000"),
    ],
)
def test_anything_but_literals_is_refused_with_its_line(
    tmp_path: Path, text: str, line: int, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ExperimentError) as caught:
        load(script(tmp_path, text=text))
    assert f"line {line}" in str(caught.value) and says in str(caught.value)
    assert "ran" not in capsys.readouterr().out  # parsed, never run


def test_a_script_player_type_nobody_plays_is_refused_before_anything_starts(
    tmp_path: Path,
) -> None:
    text = SCRIPT.replace('{"type": "passive"}', '{"type": "robot"}')
    with pytest.raises(ExperimentError, match="operators\\[1\\].workers.agent.type: 'robot'"):
        load(script(tmp_path, text=text))


def test_a_converted_script_reads_back_as_the_same_experiment(tmp_path: Path) -> None:
    import tomllib

    from mosaic_tui.experiments.script import read_script, to_toml

    odd = SCRIPT.replace('"name": "Passive"', '"name": "Stands \\"still\\" \\\\ ünïcode 🙂"')
    for path in (ROOT / "examples" / "reference_script.py", script(tmp_path, "fixed", odd)):
        text = to_toml(read_script(path))
        again, original = parse(tomllib.loads(text)), load(path)
        assert again.operators == original.operators, text
        assert (list(again.seeds), again.episodes, again.auto_run) == (
            list(original.seeds), original.episodes, original.auto_run
        )  # fmt: skip
    assert original.operators[1].display_name == 'Stands "still" \\ ünïcode 🙂'


def test_an_rl_player_script_without_its_policy_is_refused_before_anything_runs() -> None:
    with pytest.raises(ExperimentError) as info:
        load(Path(__file__).parent / "scripts" / "rl_player.py")
    assert info.value.where == "operators[1].workers.agent.policy_path"
    assert "no policy file" in info.value.message and "ppo_empty8x8" in info.value.message


def test_policy_paths_are_read_from_the_files_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # anywhere but the examples
    spec = load(ROOT / "examples" / "rl_policies.toml")
    paths = [w.settings.get("policy_path") for op in spec.operators for w in op.workers.values()]
    shipped = str((ROOT / "examples" / "policies" / "frozenlake_qtable.npz").resolve())
    assert paths[0] == shipped and all(p is None or Path(p).is_absolute() for p in paths)


@pytest.mark.parametrize(
    ("name", "mode"),
    [
        ("reference_script.py", "fixed"),
        ("script_babyai_fixed.py", "fixed"),
        ("script_tictactoe.py", "fixed"),
        ("script_procedural_baselines.py", "procedural"),
    ],
)
def test_the_example_scripts_keep_their_environment_mode(name: str, mode: str) -> None:
    spec = load(ROOT / "examples" / name)
    seeds = [spec.seed_for(i) for i in range(spec.episodes)]
    assert (len(set(seeds)) == 1) == (mode == "fixed")
    assert spec.episodes > 1


def test_a_script_range_of_seeds_without_episodes_is_one_episode_per_seed(tmp_path: Path) -> None:
    """`seeds = range(N)` stays two numbers: in the schedule and in the converted file."""
    from mosaic_tui.experiments.script import read_script, to_toml

    text = SCRIPT.replace('"num_episodes": 3, ', "").replace("range(1000, 1010)", "range(9000000)")
    path = script(tmp_path, text=text)
    spec = load(path)
    assert spec.episodes == 9_000_000 and spec.seeds.listed is None and spec.seeds[-1] == 8_999_999
    toml = to_toml(read_script(path))
    assert "episodes = 9000000" in toml and "seed = 0" in toml and len(toml) < 2000


def test_a_stepped_range_of_seeds_converts_as_a_list_or_is_refused(tmp_path: Path) -> None:
    from mosaic_tui.experiments.script import ScriptError, read_script, to_toml

    few = SCRIPT.replace("range(1000, 1010)", "range(1000, 1010, 3)")
    assert "seeds = [1000, 1003, 1006]" in to_toml(read_script(script(tmp_path, text=few)))
    many = few.replace('"num_episodes": 3, ', "").replace("1010, 3", "9000000, 3")
    with pytest.raises(ScriptError, match="use step 1"):
        to_toml(read_script(script(tmp_path, text=many)))
