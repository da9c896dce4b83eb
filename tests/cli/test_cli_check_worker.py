"""`mosaic-tui check-worker -- CMD ...` as a worker author runs it: a table, exit 0 or 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mosaic_tui.cli import check_worker as cli_module
from mosaic_tui.runtime import conformance

ROOT = Path(__file__).resolve().parents[2]

# Answers every command with a line that is not JSON but looks like Rich markup and carries a
# terminal escape sequence: the report must show it as text.
NOISY = r'''
import json, sys
init = {"type": "init", "protocol": 1, "worker": "noisy", "role": "decision"}
print(json.dumps(init), flush=True)
for line in sys.stdin:
    print("[bold red]boom[/] \x1b]0;pwned\x07", flush=True)
'''


def cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mosaic_tui.cli", "check-worker", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "250"},
        cwd=ROOT,
    )


def test_a_conforming_worker_passes_with_exit_0() -> None:
    out = cli("--", sys.executable, "-m", "baseline_worker")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "as a decision worker" in out.stdout
    for name in conformance.CHECK_NAMES:
        assert name in out.stdout
    assert "every check passed" in out.stdout


def test_a_broken_worker_fails_with_exit_1_and_its_line_shown_as_text(tmp_path: Path) -> None:
    script = tmp_path / "noisy.py"
    script.write_text(NOISY)
    out = cli("--role", "decision", "--timeout", "5", "--", sys.executable, str(script))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "[bold red]boom[/]" in out.stdout  # escaped, not rendered
    assert "\x1b" not in out.stdout and "\\x1b]0;pwned\\x07" in out.stdout
    assert "checks failed" in out.stdout
    assert "stdout-clean" in out.stdout


def test_bad_usage_exits_2_with_the_fix() -> None:
    out = cli()
    assert out.returncode == 2
    assert "put it after --" in out.stdout
    out = cli("--skip", "bogus", "--", sys.executable, "-m", "baseline_worker")
    assert out.returncode == 2
    assert "unknown check bogus" in out.stdout and "reproducible" in out.stdout


def test_the_cli_defaults_match_the_kit() -> None:
    # Duplicated so that `mosaic-tui --help` does not import the protocol.
    assert cli_module.ROLES == conformance.ROLES
    assert cli_module.DEFAULT_ENV_ID == conformance.DEFAULT_ENV_ID
    assert cli_module.START_TIMEOUT == conformance.CheckTimeouts.start
    assert cli_module.REPLY_TIMEOUT == conformance.CheckTimeouts.reply
