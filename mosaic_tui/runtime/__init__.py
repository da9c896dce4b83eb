"""Workers as asyncio subprocesses, the launcher, and the operator runner."""

from mosaic_tui.runtime.events import (
    Asked,
    EpisodeEnded,
    EpisodeStarted,
    Listener,
    Notice,
    OperatorFailed,
    RunnerEvent,
    StateChanged,
    StepTaken,
    Thinking,
)
from mosaic_tui.runtime.keyboard import DecisionWithdrawn, HumanKeyboard
from mosaic_tui.runtime.launcher import CATALOG, LaunchError, SettingSpec, WorkerDefinition, worker
from mosaic_tui.runtime.play_loop import PlayLoop
from mosaic_tui.runtime.process import CommandRejected, WorkerError, WorkerProcess, WorkerTimeout
from mosaic_tui.runtime.runner import OperatorRunner, Timeouts
from mosaic_tui.runtime.session import Session

__all__ = [
    "Asked",
    "CATALOG",
    "CommandRejected",
    "DecisionWithdrawn",
    "EpisodeEnded",
    "EpisodeStarted",
    "Notice",
    "HumanKeyboard",
    "LaunchError",
    "Listener",
    "OperatorFailed",
    "OperatorRunner",
    "PlayLoop",
    "RunnerEvent",
    "Session",
    "SettingSpec",
    "StateChanged",
    "StepTaken",
    "Thinking",
    "Timeouts",
    "WorkerDefinition",
    "WorkerError",
    "WorkerProcess",
    "WorkerTimeout",
    "worker",
]
