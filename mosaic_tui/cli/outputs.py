"""Output files (`-o`) checked before the work that fills them: a GIF that takes a minute to
replay, or a converted script, must not be made only to find its path cannot be written."""

from __future__ import annotations

from pathlib import Path

from mosaic_tui.telemetry.paths import unusable_dir


def unwritable(output: Path) -> str | None:
    """Why `output` cannot be written (its folder is created if missing), or None."""
    if output.is_dir():
        return f"{output} is a folder"
    return unusable_dir(output.parent)
