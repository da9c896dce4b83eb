"""Output paths and command-line values checked before any work, with the real cause; a
closed pipe ends an export quietly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import ROOT, cli

from mosaic_tui.telemetry import EpisodeRow, RunRow, SessionRow, StepRow, TelemetryStore


def test_convert_says_a_parent_that_is_a_file_is_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "steps.csv").write_text("x")
    script = str(ROOT / "examples" / "reference_script.py")
    done = cli("convert", script, "-o", str(tmp_path / "steps.csv" / "x.toml"), tmp_path=tmp_path)
    assert done.returncode == 2
    assert f"{tmp_path / 'steps.csv'} is a file, not a folder" in done.stderr
    assert "exists" not in done.stderr
    again = cli("convert", script, "-o", str(tmp_path / "steps.csv"), tmp_path=tmp_path)
    assert again.returncode == 2 and "exists; remove it or choose another -o" in again.stderr


def test_gif_checks_its_output_before_reading_anything(tmp_path: Path) -> None:
    """No database at all: the output's problem is what is said, before any replay."""
    (tmp_path / "steps.csv").write_text("x")
    for output, says in [
        (tmp_path / "steps.csv" / "x.gif", "steps.csv is a file, not a folder"),
        (Path("/proc/x.gif"), "cannot write in the folder /proc"),
    ]:
        done = cli("gif", "s", "op", "0", "-o", str(output), tmp_path=tmp_path, columns=300)
        assert done.returncode == 2, done.stderr
        assert says in done.stderr and "File exists" not in done.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("smoke", "--steps", "0"), "--steps: '0': give a whole number, 1 or more"),
        (("smoke", "--steps", "-1"), "--steps: '-1': give a whole number, 1 or more"),
        (("gif", "s", "op", "0", "-o", "x.gif", "--fps", "0.5"), "give 1 to 50 frames"),
        (("gif", "s", "op", "0", "-o", "x.gif", "--fps", "51"), "give 1 to 50 frames"),
        (("check-worker", "--timeout", "0", "--", "true"), "give a number of seconds above 0"),
        (("check-worker", "--timeout=-5", "--", "true"), "give a number of seconds above 0"),
        (("check-worker", "--start-timeout", "0", "--", "true"), "seconds above 0"),
    ],
)
def test_values_out_of_range_are_refused_as_they_are_parsed(
    tmp_path: Path, args: tuple[str, ...], says: str
) -> None:
    done = cli(*args, tmp_path=tmp_path)
    assert done.returncode == 2 and says in done.stderr, done.stderr


def test_an_export_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    with TelemetryStore.open(db) as store:
        store.begin_session(SessionRow("s1", 1.0, "run", {}))
        store.begin_run(RunRow("r1", "s1", "op", "op", "toytext", "FrozenLake-v1", {}, 1.0))
        for episode in range(20):  # a few MB of CSV: more than a pipe holds
            steps = [StepRow(episode, s, "agent", 1, 0.0, False, False) for s in range(2000)]
            store.record_episode(
                EpisodeRow("r1", episode, episode, 0.0, 2000, False, True, 1.0, 2.0), steps
            )
    command = (
        f"{sys.executable} -m mosaic_tui.cli export --table steps --db {db} | head -1;"
        " echo rc=${PIPESTATUS[0]}"
    )
    done = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    header = "run_id,episode_index,step_index,agent,action,reward,terminated,truncated,extra"
    assert done.stdout.splitlines() == [header, "rc=0"], done.stdout
    assert done.stderr == ""  # no "cannot write None", no "Exception ignored"
