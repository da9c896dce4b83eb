"""`mosaic-tui report` as a user runs it: after `mosaic-tui run`, in each format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from cli_helpers import ROOT, cli

POLICY = ROOT / "examples" / "policies" / "frozenlake_qtable.npz"
EXPERIMENT = f"""
name = "two on one lake"
[execution]
episodes = 6
seed = 40
[[operators]]
id = "learned"
name = "Q-table | learned"
env_name = "toytext"
task = "FrozenLake-v1"
workers.agent = {{ type = "rl", policy_path = "{POLICY}" }}
[[operators]]
id = "random"
env_name = "toytext"
task = "FrozenLake-v1"
workers.agent = {{ type = "baseline", behavior = "random" }}
"""


def test_report_after_a_run_in_every_format(tmp_path: Path) -> None:
    file, db = tmp_path / "lake.toml", tmp_path / "r.db"
    file.write_text(EXPERIMENT)
    assert cli("run", str(file), "--db", str(db), tmp_path=tmp_path).returncode == 0
    table = cli("report", "--db", str(db), tmp_path=tmp_path, columns=80)
    assert table.returncode == 0, table.stderr
    assert "learned" in table.stdout and "Paired differences" in table.stdout
    assert "file sha256" in table.stdout and "40 to 45" in table.stdout  # how it was made
    as_json = json.loads(cli("report", "--db", str(db), "--format", "json",
                             tmp_path=tmp_path).stdout)  # fmt: skip
    ops = {op["operator_id"]: op for op in as_json["operators"]}
    assert set(ops) == {"learned", "random"} and ops["learned"]["seeds"] == list(range(40, 46))
    (diff,) = as_json["differences"]
    mean = sum(ops["learned"]["episode_returns"]) / 6 - sum(ops["random"]["episode_returns"]) / 6
    assert abs(diff["difference"]["mean"] - mean) < 1e-9 and diff["difference"]["n"] == 6
    rows = list(csv.DictReader(io.StringIO(cli("report", "--db", str(db), "--format", "csv",
                                               tmp_path=tmp_path).stdout)))  # fmt: skip
    assert [r["kind"] for r in rows] == ["operator", "operator", "difference"]
    assert float(rows[0]["mean"]) == ops["learned"]["returns"]["mean"]
    out = tmp_path / "report.md"
    written = cli("report", as_json["session_id"], "--db", str(db), "--format", "markdown",
                  "-o", str(out), tmp_path=tmp_path)  # fmt: skip
    assert written.returncode == 0 and "wrote the report" in written.stderr
    text = out.read_text()
    assert text.startswith(f"# Session {as_json['session_id']}")
    assert "| Q-table \\| learned |" in text  # a name's pipe cannot break the table


def test_report_says_what_is_missing(tmp_path: Path) -> None:
    none = cli("report", "--db", str(tmp_path / "absent.db"), tmp_path=tmp_path)
    assert none.returncode == 2 and "no results database" in none.stderr
    file, db = tmp_path / "lake.toml", tmp_path / "r.db"
    file.write_text(EXPERIMENT.replace("episodes = 6", "episodes = 1"))
    cli("run", str(file), "--db", str(db), tmp_path=tmp_path)
    unknown = cli("report", "nope", "--db", str(db), tmp_path=tmp_path)
    assert unknown.returncode == 2 and "no session 'nope'; recent ones:" in unknown.stderr
