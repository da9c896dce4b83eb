"""Telemetry: an SQLite record of sessions, runs, episodes and steps, with CSV/JSONL export.

Never imports Textual, so the headless runner and the app record the same way: a `Recorder`
listens to a runner's events and the `TelemetryStore` commits each episode when it ends.
"""

from __future__ import annotations

from mosaic_tui.core.secrets import redact_secrets as redact
from mosaic_tui.telemetry.export import export
from mosaic_tui.telemetry.paths import default_db_path, default_log_dir, ensure_parent
from mosaic_tui.telemetry.recorder import Recorder
from mosaic_tui.telemetry.rows import EpisodeRow, RunRow, SessionRow, StepRow
from mosaic_tui.telemetry.store import RunSummary, TelemetryError, TelemetryStore

__all__ = [
    "EpisodeRow",
    "Recorder",
    "RunRow",
    "RunSummary",
    "SessionRow",
    "StepRow",
    "TelemetryError",
    "TelemetryStore",
    "default_db_path",
    "default_log_dir",
    "ensure_parent",
    "export",
    "redact",
]
