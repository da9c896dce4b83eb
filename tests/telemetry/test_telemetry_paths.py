"""Default locations honour the env overrides and create nothing until asked."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from mosaic_tui.telemetry import default_db_path, default_log_dir, ensure_parent


def test_db_path_uses_data_dir_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MOSAIC_TUI_DATA_DIR", str(tmp_path / "data"))
    assert default_db_path() == tmp_path / "data" / "runs.sqlite"
    assert not (tmp_path / "data").exists()  # computing a path creates nothing


def test_db_path_falls_back_to_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOSAIC_TUI_DATA_DIR", raising=False)
    assert default_db_path() == Path(platformdirs.user_data_dir("mosaic-tui")) / "runs.sqlite"


def test_empty_env_value_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOSAIC_TUI_DATA_DIR", "")
    assert default_db_path() == Path(platformdirs.user_data_dir("mosaic-tui")) / "runs.sqlite"


def test_log_dir_env_and_fallback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MOSAIC_TUI_STATE_DIR", str(tmp_path / "state"))
    assert default_log_dir() == tmp_path / "state" / "logs"
    monkeypatch.delenv("MOSAIC_TUI_STATE_DIR")
    assert default_log_dir() == Path(platformdirs.user_state_dir("mosaic-tui")) / "logs"


def test_ensure_parent_creates_nested_dirs(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "runs.sqlite"
    assert ensure_parent(target) == target
    assert target.parent.is_dir()
    assert not target.exists()
    ensure_parent(target)  # idempotent
