"""Experiment files -> plans -> runs, headless or in the app."""

from mosaic_tui.experiments.headless import (
    ExperimentResult,
    OperatorOutcome,
    new_session_id,
    run_experiment,
)
from mosaic_tui.experiments.spec import (
    ExperimentError,
    ExperimentSpec,
    SeedSchedule,
    load,
    parse,
)

__all__ = [
    "ExperimentError",
    "ExperimentResult",
    "ExperimentSpec",
    "OperatorOutcome",
    "SeedSchedule",
    "load",
    "new_session_id",
    "parse",
    "run_experiment",
]
