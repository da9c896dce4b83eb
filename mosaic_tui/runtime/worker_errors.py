"""How a worker failed, as the app reports it: which worker, why, its last log lines, where
its log is."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from mosaic_tui.protocol import Error

if TYPE_CHECKING:
    from mosaic_tui.runtime.process import WorkerProcess


class WorkerError(RuntimeError):
    """A worker failed; the message says which, why, and where its log is."""

    def __init__(
        self,
        message: str,
        *,
        worker: str = "",
        log_path: Path | None = None,
        log_tail: Iterable[str] = (),
        returncode: int | None = None,
    ) -> None:
        self.worker = worker
        self.log_path = log_path
        self.log_tail = list(log_tail)
        self.returncode = returncode
        self.summary = message
        text = message  # the log's path before its last lines: a small pane cuts the end
        if log_path is not None:
            text += f"\n  log: {log_path}"
        if self.log_tail:
            text += "\n  last log lines:\n" + "\n".join(f"    {line}" for line in self.log_tail)
        super().__init__(text)


class WorkerTimeout(WorkerError):
    """The worker did not answer in time; it may be hung."""


class CommandRejected(RuntimeError):
    """The worker answered a command with a (non-fatal) error event; it keeps serving."""

    def __init__(self, error: Error, process: WorkerProcess | None = None) -> None:
        self.error = error
        self.process = process  # which worker refused (its name and log go in the report)
        super().__init__(error.message)
