"""`mosaic-tui check FILE`: two runs compared step for step, or one against a recorded
session; the first step that differs is named."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cli_helpers import cli

from mosaic_tui.experiments.determinism import Comparison, first_difference

LAKE = """
name = "lake"
[execution]
episodes = 3
seed = 5
[[operators]]
id = "lake"
env_name = "toytext"
task = "FrozenLake-v1"
workers.agent = { type = "baseline", behavior = "random" }
"""


def test_a_seeded_experiment_matches_itself_and_a_changed_record_is_named(tmp_path: Path) -> None:
    file, db = tmp_path / "lake.toml", tmp_path / "c.db"
    file.write_text(LAKE)
    twice = cli("check", str(file), "--db", str(db), tmp_path=tmp_path)
    assert twice.returncode == 0, twice.stdout + twice.stderr
    assert "every step matches" in twice.stdout
    with sqlite3.connect(db) as conn:  # tamper with what the first session recorded
        session, run_id = conn.execute(
            "SELECT session_id, run_id FROM runs ORDER BY started_at LIMIT 1"
        ).fetchone()
        (action,) = conn.execute(
            "SELECT action FROM steps WHERE run_id = ? AND episode_index = 1 AND step_index = 2",
            (run_id,),
        ).fetchone()
        conn.execute(
            "UPDATE steps SET action = ? WHERE run_id = ? AND episode_index = 1"
            " AND step_index = 2", ((action + 1) % 4, run_id))  # fmt: skip
    file.write_text(LAKE + "# edited\n")
    against = cli("check", str(file), "--against", session, "--db", str(db), tmp_path=tmp_path)
    assert against.returncode == 1, against.stdout + against.stderr
    assert f"DIFFERS lake episode 1 step 2: agent: action {(action + 1) % 4} then {action}" in (
        against.stdout
    )
    assert "note: the experiment file changed since the recorded session" in against.stdout
    unknown = cli("check", str(file), "--against", "nope", "--db", str(db), tmp_path=tmp_path)
    assert unknown.returncode == 2 and "no session 'nope'" in unknown.stderr


def test_the_first_difference_says_where_runs_part() -> None:
    a = [(0, 1, "agent", 2, 0.0, False, False), (0, 2, "agent", 1, 1.0, True, False)]
    assert first_difference("op", a, list(a)) is None
    b = [a[0], (0, 2, "agent", 1, 0.5, True, False)]
    d = first_difference("op", a, b)
    assert d is not None and (d.episode, d.step, d.what) == (0, 2, "agent: reward 1.0 then 0.5")
    c = [a[0], (1, 1, "agent", 0, 0.0, False, False)]  # the second run's episode 0 ended sooner
    d = first_difference("op", a, c)
    assert d is not None and d.episode == 0 and "an episode ended sooner" in d.what
    d = first_difference("op", a, a[:1])
    assert d is not None and d.episode is None and "the second run stops after 1 steps" in d.what


FAILING = LAKE.replace('behavior = "random"', "command = \"python -c 'raise SystemExit(3)'\"")


def test_runs_that_all_failed_are_not_called_reproducible(tmp_path: Path) -> None:
    """Two runs with no step recorded compare equal, but nothing was checked: exit 1."""
    file, db = tmp_path / "fail.toml", tmp_path / "c.db"
    file.write_text(FAILING)
    done = cli("check", str(file), "--db", str(db), tmp_path=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "every step matches" not in done.stdout
    assert "lake: no step recorded in either run, not compared: both runs failed:" in done.stdout
    assert "exit code 3" in done.stdout and "nothing was compared" in done.stdout


def test_a_session_with_no_operator_in_common_is_not_a_pass(tmp_path: Path) -> None:
    one = LAKE.replace("episodes = 3", "episodes = 1")
    file, db = tmp_path / "lake.toml", tmp_path / "c.db"
    file.write_text(one)
    assert cli("run", str(file), "--db", str(db), tmp_path=tmp_path).returncode == 0
    with sqlite3.connect(db) as conn:
        (session,) = conn.execute("SELECT session_id FROM sessions").fetchone()
    file.write_text(one.replace('id = "lake"', 'id = "pond"'))
    done = cli("check", str(file), "--against", session, "--db", str(db), tmp_path=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "lake: in one session only" in done.stdout and "pond: in one session only" in done.stdout
    assert "nothing was compared: no operator is in both sessions" in done.stdout
    assert "every step matches" not in done.stdout


def test_an_operator_compared_over_no_step_is_not_a_pass() -> None:
    assert not Comparison().reproducible  # nothing compared
    assert Comparison(compared={"a": 5}).reproducible
    assert not Comparison(compared={"a": 5}, empty={"b": "both runs failed: x"}).reproducible
