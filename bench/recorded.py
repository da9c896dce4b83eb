"""The measured side of the headless benchmarks: an operator run as `mosaic-tui run` runs it,
every step decoded and recorded to a temporary SQLite store."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from mosaic_tui.core import OperatorConfig


async def recorded_run(
    config: OperatorConfig, seeds: list[int], stream: bool = True
) -> tuple[int, float]:
    """(steps, seconds) for `run_episodes(seeds)`; start-up and shutdown are not timed."""
    from mosaic_tui.experiments import new_session_id
    from mosaic_tui.runtime import OperatorRunner, StepTaken
    from mosaic_tui.telemetry import Recorder, SessionRow, TelemetryStore

    with tempfile.TemporaryDirectory() as tmp, TelemetryStore.open(Path(tmp) / "b.sqlite") as store:
        session = new_session_id()
        store.begin_session(SessionRow(session, time.time(), "bench"))
        recorder = Recorder(store, session)
        recorder.begin(config, "bench-run")
        runner = OperatorRunner(config, run_id="bench-run", log_dir=Path(tmp))
        count = [0]
        runner.listeners += [
            recorder,
            lambda e: count.__setitem__(0, count[0] + 1) if isinstance(e, StepTaken) else None,
        ]
        await runner.start()
        began = time.perf_counter()
        await runner.run_episodes(seeds, stream=stream)
        elapsed = time.perf_counter() - began
        await runner.stop()
        assert len(store.step_table("bench-run")) == count[0], "every step must be recorded"
    return count[0], elapsed
