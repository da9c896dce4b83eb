"""Run an experiment without a screen: every operator at once, every episode recorded.

Operators run concurrently (one env worker each, plus decision workers); one that fails is
reported with its cause and log while the others finish. Ctrl-C stops every worker and keeps
every episode already recorded.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mosaic_tui.core import MultiOperatorService, OperatorConfig, OperatorState
from mosaic_tui.experiments.spec import ExperimentSpec
from mosaic_tui.runtime import Listener, OperatorRunner, StepTaken, WorkerError
from mosaic_tui.runtime.launcher import LaunchError
from mosaic_tui.telemetry import RunSummary, SessionRow, TelemetryStore
from mosaic_tui.telemetry.recorder import Recorder


@dataclass
class OperatorOutcome:
    config: OperatorConfig
    run_id: str
    steps: int = 0
    seconds: float = 0.0
    error: str | None = None
    summary: RunSummary | None = None

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else 0.0


@dataclass
class ExperimentResult:
    session_id: str
    outcomes: list[OperatorOutcome]

    @property
    def failed(self) -> list[OperatorOutcome]:
        return [o for o in self.outcomes if o.error is not None]


def new_session_id() -> str:
    return f"{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(2)}"


async def run_experiment(
    spec: ExperimentSpec,
    store: TelemetryStore,
    *,
    log_dir: Path | None = None,
    listener: Listener | None = None,
    stream: bool = True,
    on_start: Callable[[OperatorOutcome], None] | None = None,
) -> ExperimentResult:
    """Run every operator of `spec` for its episodes and seeds; record into `store`."""
    session_id = new_session_id()
    store.begin_session(
        SessionRow(session_id, time.time(), "run", {"experiment": spec.name, "source": spec.source})
    )
    service = MultiOperatorService()
    recorder = Recorder(store, session_id)
    outcomes = []
    for config in spec.operators:
        service.add_operator(config)
        service.assign_run_id(config.operator_id, service.new_run_id(config.operator_id))
        config = service.get_operator(config.operator_id)
        assert config is not None and config.run_id is not None
        outcomes.append(OperatorOutcome(config, config.run_id))

    async def one(outcome: OperatorOutcome) -> None:
        config = outcome.config
        recorder.begin(config, outcome.run_id)
        runner = None
        try:
            runner = OperatorRunner(config, run_id=outcome.run_id, log_dir=log_dir)
            runner.listeners.append(recorder)
            runner.listeners.append(lambda e: _count(outcome, e))
            if listener is not None:
                runner.listeners.append(listener)
            if on_start is not None:
                on_start(outcome)
            await runner.start()
            service.set_operator_state(config.operator_id, OperatorState.RUNNING)
            began = time.perf_counter()
            try:
                await runner.run_episodes(list(spec.seeds), stream=stream)
            finally:
                outcome.seconds = time.perf_counter() - began
            service.set_operator_state(config.operator_id, OperatorState.STOPPED)
        except (WorkerError, LaunchError) as exc:
            outcome.error = str(exc)
            service.set_operator_state(config.operator_id, OperatorState.ERROR)
            store.end_run(outcome.run_id, "error", getattr(exc, "summary", str(exc)))
        finally:
            if runner is not None:
                await runner.stop()
            outcome.summary = store.summary(outcome.run_id)

    await asyncio.gather(*(one(o) for o in outcomes))
    return ExperimentResult(session_id, outcomes)


def _count(outcome: OperatorOutcome, event: object) -> None:
    if isinstance(event, StepTaken):
        outcome.steps += 1
