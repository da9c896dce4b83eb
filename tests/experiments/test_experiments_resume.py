"""`run --resume`: an interrupted session continued gives the step tables an uninterrupted run
gives; episodes already recorded are not played again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mosaic_tui.experiments import load, run_experiment
from mosaic_tui.runtime import EpisodeEnded
from mosaic_tui.telemetry import TelemetryError, TelemetryStore

EXPERIMENT = """
name = "resumed"
[execution]
episodes = 8
seed = 11
[[operators]]
id = "grid"
env_name = "minigrid"
task = "MiniGrid-Empty-5x5-v0"
max_steps = 30
workers.agent = { type = "baseline", behavior = "random" }
[[operators]]
id = "lake"
env_name = "toytext"
task = "FrozenLake-v1"
workers.agent = { type = "baseline", behavior = "random" }
"""


def tables(store: TelemetryStore, session: str) -> dict[str, list]:
    return {r.operator_id: store.step_table(r.run_id) for r in store.runs(session)}


def test_a_resumed_run_equals_an_uninterrupted_one(tmp_path: Path) -> None:
    file = tmp_path / "resumed.toml"
    file.write_text(EXPERIMENT)
    spec = load(file)
    with TelemetryStore.open(tmp_path / "runs.sqlite") as store:
        whole = asyncio.run(run_experiment(spec, store, log_dir=tmp_path))

        async def cut_short():  # stop once three episodes have ended somewhere
            stop, ended = asyncio.Event(), []

            def listen(event: object) -> None:
                if isinstance(event, EpisodeEnded):
                    ended.append(event)
                    if len(ended) >= 3:
                        stop.set()

            return await run_experiment(spec, store, log_dir=tmp_path, listener=listen,
                                        stop=stop, stream=False)  # fmt: skip

        cut = asyncio.run(cut_short())
        assert cut.interrupted
        before = {r.operator_id: len(store.episodes(r.run_id)) for r in store.runs(cut.session_id)}
        assert sum(before.values()) < 16  # something is left to play
        played: list[EpisodeEnded] = []
        resumed = asyncio.run(run_experiment(
            spec, store, log_dir=tmp_path, resume=cut.session_id,
            listener=lambda e: played.append(e) if isinstance(e, EpisodeEnded) else None,
        ))  # fmt: skip
        assert resumed.session_id == cut.session_id and not resumed.failed
        assert len(played) == 16 - sum(before.values())  # only the missing episodes
        assert tables(store, cut.session_id) == tables(store, whole.session_id)
        runs = store.runs(cut.session_id)
        assert [r.status for r in runs] == ["finished", "finished"] and len(runs) == 2
        seeds = [e.seed for e in store.episodes(runs[0].run_id)]
        assert seeds == list(range(11, 19))
        again = asyncio.run(run_experiment(spec, store, log_dir=tmp_path, resume=cut.session_id))
        assert not again.failed  # nothing left: nothing played, still finished
        assert tables(store, cut.session_id) == tables(store, whole.session_id)


def test_only_a_session_of_the_same_file_is_resumed(tmp_path: Path) -> None:
    file = tmp_path / "resumed.toml"
    file.write_text(EXPERIMENT)
    with TelemetryStore.open(tmp_path / "runs.sqlite") as store:
        first = asyncio.run(run_experiment(load(file), store, log_dir=tmp_path))
        file.write_text(EXPERIMENT.replace("seed = 11", "seed = 12"))
        with pytest.raises(TelemetryError, match="another file or a changed one"):
            asyncio.run(run_experiment(load(file), store, log_dir=tmp_path,
                                       resume=first.session_id))  # fmt: skip
        with pytest.raises(TelemetryError, match="no session 'nope' to resume"):
            asyncio.run(run_experiment(load(file), store, log_dir=tmp_path, resume="nope"))
