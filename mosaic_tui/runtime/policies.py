"""Trained policy files the app can offer for a task: the ones mosaic-tui ships
(`examples/policies/`) and any in `policies/` where it runs, each read for the task it was
trained on: a `.npz` field, read without unpickling, or the `mosaic_task` that `mosaic-tui
train` writes into an SB3 `.zip`'s JSON (read without PyTorch)."""

from __future__ import annotations

import functools
import json
import zipfile
from pathlib import Path

import numpy as np

SHIPPED = Path(__file__).resolve().parents[2] / "examples" / "policies"


def folders() -> list[Path]:
    return [folder for folder in (Path.cwd() / "policies", SHIPPED) if folder.is_dir()]


def trained_on(path: Path) -> str | None:
    """The task a policy file says it was trained on, or None if it says none (or is not one)."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    return _task_of(path, stamp)


@functools.lru_cache(maxsize=256)
def _task_of(path: Path, stamp: int) -> str | None:  # `stamp`: a changed file is read again
    if path.suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                task = json.loads(archive.read("data")).get("mosaic_task")
            return str(task) if isinstance(task, str) else None
        except (OSError, ValueError, KeyError, AttributeError, zipfile.BadZipFile):
            return None
    try:
        with np.load(path, allow_pickle=False) as data:
            task = data["task"] if "task" in data.files else None
            return str(task) if task is not None and task.shape == () else None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError):
        return None


def found(task: str) -> list[Path]:
    """The policy files trained on `task`, in the folders above, by name."""
    return sorted(
        (
            p
            for folder in folders()
            for pattern in ("*.npz", "*.zip")
            for p in folder.glob(pattern)
            if trained_on(p) == task
        ),
        key=lambda p: p.name,
    )
