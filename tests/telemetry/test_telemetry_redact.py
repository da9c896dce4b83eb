"""Secrets in operator configs never reach the database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mosaic_tui.telemetry import RunRow, SessionRow, TelemetryStore, redact


def test_redact_nested_keys_case_insensitive() -> None:
    config = {
        "llm": {"OPENAI_API_KEY": "sk-1", "base_url": "http://x", "Auth": {"Token": "t"}},
        "players": [{"name": "p0", "db_password": "pw"}, {"client_secret": {"deep": 1}}],
        "seed": 3,
        "keys": ["a", "b"],
    }
    out = redact(config)
    assert out == {
        "llm": {"OPENAI_API_KEY": "***", "base_url": "http://x", "Auth": "***"},
        "players": [{"name": "p0", "db_password": "***"}, {"client_secret": "***"}],
        "seed": 3,
        "keys": "***",
    }
    # The caller's config is not mutated.
    assert config["llm"]["OPENAI_API_KEY"] == "sk-1"  # type: ignore[index]


def test_redact_matches_words_not_substrings() -> None:
    settings = {"max_tokens": 64, "keymap": "wasd", "apiKey": "k", "HF_TOKEN": "t", "monkey": 1}
    assert redact(settings) == {
        "max_tokens": 64,
        "keymap": "wasd",
        "apiKey": "***",
        "HF_TOKEN": "***",
        "monkey": 1,
    }


def test_redact_leaves_scalars_and_plain_dicts() -> None:
    assert redact(5) == 5
    assert redact("api_key") == "api_key"  # values are not keys
    assert redact({"model": "gpt", "temperature": 0.2}) == {"model": "gpt", "temperature": 0.2}


def test_begin_run_persists_redacted_config(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    with TelemetryStore.open(db) as store:
        store.begin_session(SessionRow("s", 1.0, "app", {"api_token": "leak-meta"}))
        store.begin_run(
            RunRow(
                "r",
                "s",
                "op",
                "Op",
                "minigrid",
                "MiniGrid-Empty-8x8-v0",
                {"workers": [{"llm": {"apiKey": "leak-config", "model": "m"}}]},
                2.0,
            )
        )
        assert store.runs()[0].config == {"workers": [{"llm": {"apiKey": "***", "model": "m"}}]}
        assert store.sessions()[0].meta == {"api_token": "***"}
    raw = sqlite3.connect(db)
    stored = [
        row[0] for row in raw.execute("SELECT config FROM runs UNION ALL SELECT meta FROM sessions")
    ]
    raw.close()
    assert len(stored) == 2
    assert not any("leak" in text for text in stored)
    assert b"leak" not in db.read_bytes()  # not in any page of the file either
