"""Headless experiment runs, recorded in SQLite."""

from __future__ import annotations

import asyncio
from pathlib import Path

from mosaic_tui.experiments import parse, run_experiment
from mosaic_tui.telemetry import TelemetryStore


def spec(*operators: dict, episodes: int = 2, max_steps: int = 20):
    return parse(
        {
            "execution": {
                "episodes": episodes,
                "seeds": list(range(7, 7 + episodes)),
                "max_steps": max_steps,
            },
            "operators": list(operators),
        }
    )


def op(op_id: str, task: str = "MiniGrid-Empty-8x8-v0", family: str = "minigrid", **extra) -> dict:
    return {
        "id": op_id,
        "env_name": family,
        "task": task,
        "workers": {"agent": {"type": "baseline", "behavior": "random"}},
        **extra,
    }


def test_episodes_and_steps_are_recorded(tmp_path: Path) -> None:
    with TelemetryStore.open(tmp_path / "runs.sqlite") as store:
        result = asyncio.run(
            run_experiment(
                spec(op("a"), op("b", "FrozenLake-v1", "toytext")), store, log_dir=tmp_path
            )
        )
        assert not result.failed
        runs = {r.operator_id: r for r in store.runs(result.session_id)}
        assert set(runs) == {"a", "b"}
        assert all(r.status == "finished" for r in runs.values())
        episodes = store.episodes(runs["a"].run_id)
        assert [e.seed for e in episodes] == [7, 8]
        steps = store.steps(runs["a"].run_id)
        assert len(steps) == sum(e.length for e in episodes)
        outcome = next(o for o in result.outcomes if o.config.operator_id == "a")
        assert outcome.summary is not None and outcome.summary.episodes == 2
        assert outcome.steps == len(steps)


def test_same_file_twice_gives_identical_step_tables(tmp_path: Path) -> None:
    with TelemetryStore.open(tmp_path / "runs.sqlite") as store:
        first = asyncio.run(run_experiment(spec(op("a")), store, log_dir=tmp_path))
        second = asyncio.run(run_experiment(spec(op("a")), store, log_dir=tmp_path))
        one, two = (store.step_table(r.outcomes[0].run_id) for r in (first, second))
        assert one == two and len(one) == 40
        assert first.outcomes[0].run_id != second.outcomes[0].run_id


def test_a_failing_operator_does_not_stop_the_others(tmp_path: Path) -> None:
    broken = op("broken", "FrozenLake-v1", "toytext", env_settings={"no_such_setting": 1})
    with TelemetryStore.open(tmp_path / "runs.sqlite") as store:
        result = asyncio.run(run_experiment(spec(op("good"), broken), store, log_dir=tmp_path))
        assert [o.config.operator_id for o in result.failed] == ["broken"]
        assert "no_such_setting" in (result.failed[0].error or "")
        runs = {r.operator_id: r for r in store.runs(result.session_id)}
        assert runs["broken"].status == "error" and "no_such_setting" in (
            runs["broken"].error or ""
        )
        assert runs["good"].status == "finished"
        assert len(store.episodes(runs["good"].run_id)) == 2


def test_a_log_folder_that_cannot_be_made_fails_the_run_not_the_program(tmp_path: Path) -> None:
    """An OSError starting the workers (a file where the log folder should be) is the run's
    error: recorded as such, never a traceback with the run left `finished`."""
    (tmp_path / "afile").write_text("")
    with TelemetryStore.open(tmp_path / "runs.sqlite") as store:
        result = asyncio.run(
            run_experiment(
                spec(op("a", "FrozenLake-v1", "toytext")),
                store,
                log_dir=tmp_path / "afile" / "logs",
            )  # fmt: skip
        )
        (outcome,) = result.outcomes
        assert outcome.status == "error" and "Not a directory" in (outcome.error or "")
        (run,) = store.runs(result.session_id)
        assert run.status == "error"
