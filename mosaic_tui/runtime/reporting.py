"""How a runner tells the world: events to listeners, state changes, worker failures.

A mixin of `OperatorRunner`. A listener that raises is detached and reported, and a worker that
fails is reported once, with its name and log, before the error travels on.
"""

from __future__ import annotations

import logging
from typing import Any

from mosaic_tui.core import OperatorState
from mosaic_tui.runtime.events import Notice, OperatorFailed, RunnerEvent, StateChanged
from mosaic_tui.runtime.process import CommandRejected, WorkerError

log = logging.getLogger("mosaic_tui.runtime.runner")


class Reporting:
    """Listeners, state and failure reports of a runner (see `OperatorRunner`)."""

    def emit(self, event: RunnerEvent) -> None:
        """Tell every listener; one that raises is detached and reported, the run goes on."""
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception as exc:  # a listener bug or a locked database must not stop us
                log.exception("listener %r failed", listener)
                self.listeners.remove(listener)
                self.emit(
                    Notice(
                        self.config.operator_id,
                        self.run_id,
                        f"{getattr(listener, '__qualname__', type(listener).__name__)}"
                        f" stopped after an error: {type(exc).__name__}: {exc}",
                    )
                )

    def set_state(self, state: OperatorState, detail: str | None = None) -> None:
        self.state = state
        self.emit(StateChanged(self.config.operator_id, self.run_id, state.value, detail))

    async def _guard(self, coro: Any) -> Any:
        """Run a worker call; on failure report it once, mark the operator, re-raise."""
        try:
            return await coro
        except CommandRejected as rejected:
            process = rejected.process or self.env_process  # whoever refused, not always the env
            exc = WorkerError(
                f"{process.name} refused a command: {rejected.error.message}",
                worker=process.name,
                log_path=process.log_path,
                log_tail=process.log_tail(),
            )
            self._failed(exc)
            raise exc from rejected
        except WorkerError as exc:
            if not self._stopping:
                self._failed(exc)
            raise

    def _failed(self, exc: WorkerError) -> None:
        self.set_state(OperatorState.ERROR, exc.summary)
        self.emit(
            OperatorFailed(
                self.config.operator_id, self.run_id, str(exc), exc.log_path, exc.log_tail
            )
        )
