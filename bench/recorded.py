"""The measured side of the headless benchmarks: an operator run as `mosaic-tui run` runs it,
every step decoded and recorded to a temporary SQLite store."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from mosaic_tui.core import OperatorConfig


async def recorded_run(
    config: OperatorConfig,
    seeds: list[int],
    stream: bool = True,
    warm_up: bool = False,
    self_drive: bool = True,
) -> tuple[int, float]:
    """(steps, seconds) for `run_episodes(seeds)`; start-up and shutdown are not timed, nor
    with `warm_up` a first reset (MultiGrid loads its JIT-compiled code then, ~0.3 s; the
    in-process baseline warms up too). `self_drive=False`: the baseline runs in a decision
    worker of its own, asked every step."""
    from mosaic_tui.experiments import new_session_id
    from mosaic_tui.runtime import OperatorRunner, StepTaken
    from mosaic_tui.telemetry import Recorder, SessionRow, TelemetryStore

    with tempfile.TemporaryDirectory() as tmp, TelemetryStore.open(Path(tmp) / "b.sqlite") as store:
        session = new_session_id()
        store.begin_session(SessionRow(session, time.time(), "bench"))
        recorder = Recorder(store, session)
        recorder.begin(config, "bench-run")
        runner = OperatorRunner(
            config, run_id="bench-run", log_dir=Path(tmp), self_drive=self_drive
        )
        count, rows = [0], [0]  # env steps; step rows (a simultaneous step has one per agent)

        def tally(event: object) -> None:
            if isinstance(event, StepTaken):
                count[0] += 1
                rows[0] += len(event.actions) if event.actions else 1

        runner.listeners += [recorder, tally]
        await runner.start()
        if warm_up:
            await runner.reset(seeds[0])
        began = time.perf_counter()
        await runner.run_episodes(seeds, stream=stream)
        await recorder.drain()  # the rows are written off the loop: count them in, all of them
        elapsed = time.perf_counter() - began
        await runner.stop()
        assert len(store.step_table("bench-run")) == rows[0], "every step must be recorded"
    return count[0], elapsed
