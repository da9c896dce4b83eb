"""Where telemetry lives on disk.

Paths are computed, never created, on import: a read-only ``--help`` must not litter the
user's home. Call :func:`ensure_parent` right before writing.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import platformdirs

APP_NAME = "mosaic-tui"
DATA_DIR_ENV = "MOSAIC_TUI_DATA_DIR"
STATE_DIR_ENV = "MOSAIC_TUI_STATE_DIR"


def _env_dir(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser() if value else None


def default_db_path() -> Path:
    """``$MOSAIC_TUI_DATA_DIR/runs.sqlite``, else the platform's user data dir."""
    base = _env_dir(DATA_DIR_ENV) or Path(platformdirs.user_data_dir(APP_NAME))
    return base / "runs.sqlite"


def default_log_dir() -> Path:
    """``$MOSAIC_TUI_STATE_DIR/logs``, else the platform's user state dir (worker stderr)."""
    base = _env_dir(STATE_DIR_ENV) or Path(platformdirs.user_state_dir(APP_NAME))
    return base / "logs"


def ensure_parent(path: Path) -> Path:
    """Create ``path``'s parent directories if missing; return ``path`` for chaining."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def unusable_dir(path: Path) -> str | None:
    """Why the folder `path` cannot hold files (it is created if missing), or None: a run
    finds out before anything starts, not when its first worker opens its log."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        for above in (path, *path.parents):  # a file where a folder should be: name it
            if above.exists() and not above.is_dir():
                return f"{above} is a file, not a folder"
        return f"cannot create the folder {path} ({exc.strerror or exc})"
    try:
        with tempfile.TemporaryFile(dir=path):
            return None
    except OSError as exc:
        return f"cannot write in the folder {path} ({exc.strerror or exc})"
