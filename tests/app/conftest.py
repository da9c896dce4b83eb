"""App tests run the real worker code (in-process unless marked `subprocess`); results and
logs go to a temporary directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import waiting


@pytest.fixture(autouse=True)
def _in_process(workers_in_process_unless_marked: None) -> None:
    return None


@pytest.fixture(autouse=True)
def no_worker_left():
    """However a test ends its app (q, app.exit(), leaving `run_test`), no worker outlives it."""
    from mosaic_tui.runtime.process import _LIVE

    before = set(_LIVE)
    yield
    assert not (_LIVE - before), "the app left workers running"


@pytest.fixture(autouse=True)
def private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOSAIC_TUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MOSAIC_TUI_STATE_DIR", str(tmp_path / "state"))


async def until(pilot, condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Let the app run until `condition()` holds (workers take a moment to start)."""
    await waiting.until(condition, timeout, pilot=pilot)


@pytest.fixture
def wait_until():
    return until
