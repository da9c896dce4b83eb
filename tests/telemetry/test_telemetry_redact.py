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
        meta = store.sessions()[0].meta
        assert meta["api_token"] == "***" and set(meta) == {"api_token", "pid", "host"}
    raw = sqlite3.connect(db)
    stored = [
        row[0] for row in raw.execute("SELECT config FROM runs UNION ALL SELECT meta FROM sessions")
    ]
    raw.close()
    assert len(stored) == 2
    assert not any("leak" in text for text in stored)
    assert b"leak" not in db.read_bytes()  # not in any page of the file either


def test_a_key_quoted_in_an_error_is_masked_in_the_store_and_the_export(
    tmp_path: Path, monkeypatch
) -> None:
    """An endpoint that echoes the key in its error used to put it in runs.error verbatim."""
    import io

    from mosaic_tui.telemetry import export

    key = "sk-live-0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    monkeypatch.setenv("MOSAIC_TUI_LLM_API_KEY", "mt-other-secret-99")
    db = tmp_path / "runs.sqlite"
    with TelemetryStore.open(db) as store:
        store.begin_session(SessionRow("s", 1.0, "run", {}))
        for run_id in ("r", "old"):
            store.begin_run(RunRow(run_id, "s", "op", "Op", "toytext", "Taxi-v3", {}, 2.0))
        store.end_run("r", "error", f"401: Incorrect API key provided: {key} (mt-other-secret-99)")
        stored = store.run("r")
        assert stored is not None and stored.error is not None
        assert key not in stored.error and "mt-other-secret-99" not in stored.error
        assert "Incorrect API key provided: *** (***)" in stored.error
        # a row written before errors were scrubbed is masked on its way out
        raw = sqlite3.connect(db)
        raw.execute("UPDATE runs SET error = ? WHERE run_id = 'old'", (f"echo {key}",))
        raw.commit()
        raw.close()
        out = io.StringIO()
        export(store, out, fmt="jsonl", table="runs", session_id="s")
    assert key not in out.getvalue() and "echo ***" in out.getvalue()


def test_short_or_ordinary_values_are_not_masked() -> None:
    from mosaic_tui.telemetry.text import redact_text

    env = {"HF_TOKEN": "abc", "API_KEY": "secret-value-1", "HOME": "/home/somebody"}
    text = "abc at /home/somebody failed with secret-value-1"
    assert redact_text(text, env) == "abc at /home/somebody failed with ***"


def test_a_shortened_echo_of_a_key_is_masked_in_stored_errors() -> None:
    from mosaic_tui.telemetry.text import redact_text

    key = "sk-QA-SECRET-0123456789f3a9"
    env = {"OPENAI_API_KEY": key}
    said = f"401: key {key[:8]}...{key[-4:]} refused; retry with {key[3:15]}"
    assert redact_text(said, env) == "401: key *** refused; retry with ***"
