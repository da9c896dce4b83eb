"""The summary `run` prints: into a pipe every column, and the report's own intervals."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from cli_helpers import cli

LAKE = """
[execution]
episodes = 6
seed = 3
max_steps = 30
[[operators]]
id = "frozenlake_random_walker_with_a_long_name"
env_name = "toytext"
task = "CliffWalking-v1"  # returns that vary: an interval wider than 0
workers.agent = { type = "baseline", behavior = "random" }
"""


def test_into_a_pipe_the_summary_keeps_every_column_and_agrees_with_the_report(
    tmp_path: Path,
) -> None:
    file, db = tmp_path / "lake.toml", tmp_path / "r.db"
    file.write_text(LAKE)
    done = cli("run", str(file), "--db", str(db), tmp_path=tmp_path, env={"COLUMNS": ""})
    assert done.returncode == 0, done.stderr
    header = next(line for line in done.stdout.splitlines() if "return (95% CI)" in line)
    assert "length" in header and "steps/s" in header and "status" in header
    row = next(line for line in done.stdout.splitlines() if "finished" in line)
    shown = re.search(r"± (\d+\.\d\d)", row)
    assert shown is not None, row
    report = cli("report", "--db", str(db), "--format", "csv", tmp_path=tmp_path)
    assert report.returncode == 0, report.stderr
    (line,) = list(csv.DictReader(io.StringIO(report.stdout)))[:1]
    half = float(line["ci_high"]) - float(line["mean"])
    assert half > 0 and shown.group(1) == f"{half:.2f}"  # Student t in both
