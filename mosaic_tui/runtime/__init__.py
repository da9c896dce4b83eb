"""Workers as asyncio subprocesses, the launcher, and the operator runner."""

from mosaic_tui.runtime.events import (
    EpisodeEnded,
    EpisodeStarted,
    Listener,
    OperatorFailed,
    RunnerEvent,
    StateChanged,
    StepTaken,
)
from mosaic_tui.runtime.launcher import CATALOG, LaunchError, SettingSpec, WorkerDefinition, worker
from mosaic_tui.runtime.players import Decision, HumanInput
from mosaic_tui.runtime.process import CommandRejected, WorkerError, WorkerProcess, WorkerTimeout
from mosaic_tui.runtime.runner import OperatorRunner, Timeouts
from mosaic_tui.runtime.session import HumanKeyboard, Session

__all__ = [
    "CATALOG",
    "CommandRejected",
    "Decision",
    "EpisodeEnded",
    "EpisodeStarted",
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
