"""`mosaic-tui run --backend ray` against the local runner: the same experiment, the same
machine, wall time from the start of the run to its summary.

Experiment: 1,000 episodes of MiniGrid-Empty-8x8-v0 (quick: 200), the random baseline, seeds
0, 1, ..., the env's own step limit (256), one operator, recorded into a temporary SQLite file.
Baseline: `run_experiment` (what `mosaic-tui run FILE` runs). Measured: `run_experiment_on_ray`
with a local Ray started for the run and shut down after it (what `--backend ray` does without
`--address`), start and shutdown included; also, for information, on a Ray that is already
running (what a run on a cluster pays). Both runs' step tables must be equal.
Target (issue 13): ray / local <= 1.5.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

TASK = "MiniGrid-Empty-8x8-v0"


def experiment(episodes: int):  # noqa: ANN201 - an ExperimentSpec
    from mosaic_tui.experiments import parse

    return parse(
        {
            "name": "bench-ray",
            "execution": {"episodes": episodes, "seed": 0},
            "operators": [
                {
                    "id": "random",
                    "env_name": "minigrid",
                    "task": TASK,
                    "workers": {"agent": {"type": "baseline", "behavior": "random"}},
                }
            ],
        }
    )


def timed(spec, backend: str, folder: Path) -> tuple[float, list, int]:  # noqa: ANN001
    """(seconds, step table, steps) of one run into a fresh database in `folder`."""
    from mosaic_tui.experiments import run_experiment
    from mosaic_tui.telemetry import TelemetryStore

    db = folder / f"{backend}-{time.monotonic_ns()}.sqlite"
    with TelemetryStore.open(db) as store:
        began = time.perf_counter()
        if backend == "local":
            result = asyncio.run(run_experiment(spec, store, log_dir=folder))
        else:
            from mosaic_tui.experiments.ray_backend import run_experiment_on_ray

            result = asyncio.run(run_experiment_on_ray(spec, store, log_dir=folder))
        seconds = time.perf_counter() - began
        assert not result.failed, [o.error for o in result.failed]
        table = store.step_table(result.outcomes[0].run_id)
    return seconds, table, len(table)


def run(quick: bool = False) -> list[str]:
    try:
        import ray
    except ImportError:
        print("ray extra missing, skipped")
        return []
    episodes = 200 if quick else 1000
    rounds = 1 if quick else 2
    spec = experiment(episodes)
    local = started = running = float("inf")
    steps = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for _ in range(rounds):  # the three alternate; the best of each
            seconds, local_table, steps = timed(spec, "local", folder)
            local = min(local, seconds)
            seconds, ray_table, _ = timed(spec, "ray", folder)  # Ray started for the run
            assert ray_table == local_table, "the Ray run's step table differs from the local one"
            started = min(started, seconds)
            ray.init(include_dashboard=False, logging_level="ERROR", log_to_driver=False)
            try:
                timed(experiment(8), "ray", folder)  # Ray's workers start and import, untimed
                seconds, ray_table, _ = timed(spec, "ray", folder)
                assert ray_table == local_table
                running = min(running, seconds)
            finally:
                ray.shutdown()
    print(
        f"ray: {episodes} episodes of {TASK} ({steps:,} steps), random baseline, one operator,"
        f" best of {rounds}; local {local:.1f} s, Ray started for the run {started:.1f} s,"
        f" Ray already running {running:.1f} s"
    )
    return [
        f"{'ray backend wall s (Ray started for the run)':<44} {started:>12.1f} {local:>12.1f}"
        f" {started / local:>8.2f}  <= 1.50",
        f"{'ray backend wall s (Ray already running)':<44} {running:>12.1f} {local:>12.1f}"
        f" {running / local:>8.2f}  (info)",
    ]
