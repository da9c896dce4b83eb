"""Workers as asyncio subprocesses, the launcher, and the operator runner."""

from mosaic_tui.runtime.events import (
    EpisodeEnded,
    EpisodeStarted,
    Listener,
    Notice,
    OperatorFailed,
    RunnerEvent,
    StateChanged,
    StepTaken,
)
from mosaic_tui.runtime.launcher import CATALOG, LaunchError, SettingSpec, WorkerDefinition, worker
from mosaic_tui.runtime.players import Decision, DecisionWithdrawn, HumanInput, HumanKeyboard
from mosaic_tui.runtime.process import CommandRejected, WorkerError, WorkerProcess, WorkerTimeout
from mosaic_tui.runtime.runner import OperatorRunner, Timeouts
from mosaic_tui.runtime.session import Session

__all__ = [
    "CATALOG",
    "CommandRejected",
    "Decision",
    "DecisionWithdrawn",
    "EpisodeEnded",
    "EpisodeStarted",
    "Notice",
    "HumanInput",
    "HumanKeyboard",
    "LaunchError",
    "Listener",
    "OperatorFailed",
    "OperatorRunner",
    "RunnerEvent",
    "Session",
    "SettingSpec",
    "StateChanged",
    "StepTaken",
    "Timeouts",
    "WorkerDefinition",
    "WorkerError",
    "WorkerProcess",
    "WorkerTimeout",
    "worker",
]
