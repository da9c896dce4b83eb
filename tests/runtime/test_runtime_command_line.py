"""Command templates: split like a shell, never run by one; placeholders checked early."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from mosaic_tui.runtime.command_line import CommandError, check, environment, expand, label

VALUES = {
    "run_id": "run-1",
    "env_name": "minigrid",
    "task": "MiniGrid-Empty-5x5-v0",
    "seed": "7",
    "telemetry_dir": "/tmp/t dir",
}


def test_placeholders_fill_words_and_a_value_with_spaces_stays_one_argument() -> None:
    argv = expand("my-worker --dir {telemetry_dir} --id={run_id} --task {task}", VALUES)
    assert argv == [
        "my-worker",
        "--dir",
        "/tmp/t dir",
        "--id=run-1",
        "--task",
        "MiniGrid-Empty-5x5-v0",
    ]


def test_shell_syntax_is_not_interpreted() -> None:
    argv = expand("echo 'a b' $HOME ; rm -rf {seed} | cat", VALUES)
    assert argv == ["echo", "a b", "$HOME", ";", "rm", "-rf", "7", "|", "cat"]


def test_a_bare_python_is_the_interpreter_mosaic_tui_runs_on() -> None:
    assert expand("python -m random_worker", VALUES)[0] == sys.executable
    assert expand("python3 -m random_worker", VALUES)[0] == sys.executable
    assert label(expand("python -m random_worker --run-id x", VALUES)) == "random_worker"
    assert label(["/opt/bin/chess-worker", "--x"]) == "chess-worker"
    assert label([sys.executable, "/w/reference_worker.py", "--run-id", "r"]) == "reference_worker"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("", "non-empty"),
        ("python -m w --x {runid}", "unknown placeholder {runid}"),
        ("python -m w --x {seed:04d}", "takes no format"),
        ("python -m w --x {seed!r}", "takes no format"),
        ("python -m w 'unclosed", "cannot be split"),
        ("python -m w {", "literal braces"),
        ("no-such-program-anywhere --x", "is not on PATH"),
        ("/no/such/file --x", "does not exist"),
    ],
)
def test_a_bad_template_is_refused_naming_the_cause(template: str, message: str) -> None:
    with pytest.raises(CommandError, match=re.escape(message)):
        check(template)


def test_literal_braces_are_written_doubled() -> None:
    assert expand("python -c {{x}}", VALUES)[1:] == ["-c", "{x}"]


def test_an_unknown_dialect_is_refused() -> None:
    with pytest.raises(CommandError, match="dialect 'klingon' is not one of auto, mosaic"):
        check("python -m w", "klingon")


def test_player_id_has_no_value_for_an_env_command() -> None:
    with pytest.raises(CommandError, match=r"\{player_id\} has no value"):
        expand("python -m w --player {player_id}", VALUES)


def test_the_reference_guis_environment_variables(tmp_path: Path) -> None:
    assert environment("run-1", "op", tmp_path, 9) == {
        "TELEMETRY_DIR": str(tmp_path),
        "OPERATOR_RUN_ID": "run-1",
        "OPERATOR_ID": "op",
        "MOSAIC_VIEW_SIZE": "9",
    }
    assert "MOSAIC_VIEW_SIZE" not in environment("run-1", "op", tmp_path, None)
