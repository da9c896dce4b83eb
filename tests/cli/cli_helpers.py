"""Run the installed `mosaic-tui` command as a user would, with private data and state dirs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cli(
    *args: str,
    tmp_path: Path,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    columns: int = 120,
) -> subprocess.CompletedProcess[str]:
    full = {
        **os.environ,
        "MOSAIC_TUI_DATA_DIR": str(tmp_path / "data"),
        "MOSAIC_TUI_STATE_DIR": str(tmp_path / "state"),
        "COLUMNS": str(columns),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "mosaic_tui.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full,
        cwd=ROOT,
    )
