"""Experiment tests run the real worker code in-process unless marked `subprocess`."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _in_process(workers_in_process_unless_marked: None) -> None:
    return None
