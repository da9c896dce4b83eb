"""Shared by every test folder: the in-process worker seam (see tests/in_process.py)."""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """The suite's subprocesses must not take the size of whatever terminal (or xdist's
    COLUMNS=80) the tests were started from: a pty test sizes its terminal itself."""
    for variable in ("COLUMNS", "LINES"):
        os.environ.pop(variable, None)


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
