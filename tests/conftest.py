"""Shared by every test folder: the in-process worker seam (see tests/in_process.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def in_process_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Env and baseline workers run on threads of this process instead of subprocesses."""
    from in_process import in_process_spawn

    from mosaic_tui.runtime import spawn

    monkeypatch.setattr(spawn, "default_spawn", in_process_spawn)


@pytest.fixture
def workers_in_process_unless_marked(request: pytest.FixtureRequest) -> None:
    """Autoused by the app and runtime folders: in-process workers, except for tests marked
    `subprocess` (they are about processes: signals, orphans, kills, hangs, pids)."""
    if request.node.get_closest_marker("subprocess") is None:
        request.getfixturevalue("in_process_workers")
