"""Experiment files -> plans -> runs, headless or in the app."""

from mosaic_tui.experiments.headless import (
    ExperimentResult,
    OperatorOutcome,
    new_session_id,
    run_experiment,
)
from mosaic_tui.experiments.spec import ExperimentError, ExperimentSpec, load, parse

__all__ = [
    "ExperimentError",
    "ExperimentResult",
    "ExperimentSpec",
    "OperatorOutcome",
    "load",
    "new_session_id",
    "parse",
    "run_experiment",
]
