"""The app's recorder, when it records: every new run of the session is recorded, a run whose
recording failed for good is stopped (not left to run on unrecorded), and quitting waits a
little for the last writes. Owned by the app (`app.recording`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mosaic_tui.core import OperatorConfig
from mosaic_tui.runtime import Listener
from mosaic_tui.telemetry import Recorder

if TYPE_CHECKING:
    from mosaic_tui.app.app import MosaicApp

DRAIN_WAIT = 10.0  # seconds quitting waits for a busy results database
DRAIN_WAIT_LOST = 1.0  # ... when the terminal is gone (its deadline is `terminal.QUIT_DEADLINE`)


class AppRecording:
    """Ties the recorder to the app's session: it listens to each new run, and its failures
    reach the operator's pane."""

    def __init__(self, app: MosaicApp, recorder: Recorder) -> None:
        self.app = app
        self.recorder = recorder
        app.session.on_new_run = self._begin_run
        recorder.on_failure = self._not_recorded

    def _begin_run(self, config: OperatorConfig, run_id: str) -> Listener:
        self.recorder.begin(config, run_id)
        return self.recorder

    def _not_recorded(self, run_id: str, message: str) -> None:
        """Recording an operator's run failed for good: stop it, with the cause on its pane,
        rather than let it run on unrecorded."""
        app, session = self.app, self.app.session
        for op, runner in session.runners.items():
            entry = session.operators[op]
            if runner.run_id == run_id and entry.error is None:
                session.fail(op, message)  # stops it (a starting one, once started)
                app.drawing.show_failure(op)
                app.notify(message, title=op, severity="error", timeout=15)
        app.drawing.refresh_status()

    async def drain(self, *, terminal_lost: bool) -> None:
        """Quitting, once the workers stopped: the last writes are on their way (a moment),
        or another program holds the database: then say so and wait a little (less when the
        terminal is gone); whatever is left is reported by `mosaic-tui` on exit."""
        recorder = self.recorder
        if not recorder.pending:
            return
        if recorder.blocked:
            self.app.notify("waiting for the results database to take the last episodes")
        await recorder.drain(timeout=DRAIN_WAIT_LOST if terminal_lost else DRAIN_WAIT)
