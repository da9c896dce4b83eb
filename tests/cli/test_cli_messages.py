"""What the CLI prints is the user's text, verbatim and harmless; sessions and exports."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import cli as run_cli

from mosaic_tui.cli.main import parser, with_command
from mosaic_tui.telemetry import EpisodeRow, RunRow, SessionRow, TelemetryStore


def cli(*args: str, tmp_path: Path, env: dict[str, str] | None = None, timeout: float = 120):
    return run_cli(*args, tmp_path=tmp_path, env=env, timeout=timeout, columns=200)


def test_workers_keeps_every_list_of_allowed_values(tmp_path: Path) -> None:
    out = cli("workers", tmp_path=tmp_path)
    assert out.returncode == 0
    assert "policy [random, noop, cycling]" in out.stdout
    assert "execution_mode [aec, parallel]" in out.stdout


def test_an_empty_file_names_the_table_to_add(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    out = cli("run", str(empty), "--db", str(tmp_path / "r.sqlite"), tmp_path=tmp_path)
    assert out.returncode == 2
    assert "add at least one [[operators]] table" in out.stderr


@pytest.mark.parametrize(
    ("bad_id", "shown"),
    [("[/red]", "'[/red]'"), ("x\x1b]0;pwned\x07", r"x\x1b]0;pwned\x07")],
)
def test_a_hostile_operator_id_is_refused_as_plain_text(
    tmp_path: Path, bad_id: str, shown: str
) -> None:
    path = tmp_path / "x.toml"
    escaped = bad_id.replace("\x1b", "\\u001b").replace("\x07", "\\u0007")
    path.write_text(
        f'[[operators]]\nid = "{escaped}"\nenv_name = "toytext"\ntask = "FrozenLake-v1"\n'
        'workers.agent = { type = "baseline" }\n'
    )
    out = cli("run", str(path), "--db", str(tmp_path / "r.sqlite"), tmp_path=tmp_path)
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and "\x1b" not in out.stderr + out.stdout
    assert "operators[0].id" in out.stderr and shown in out.stderr
    assert "letters, digits" in out.stderr


def test_an_unknown_player_type_says_so_before_anything_starts(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text(
        '[[operators]]\nid = "v"\nenv_name = "toytext"\ntask = "FrozenLake-v1"\n'
        'workers.agent = { type = "robot" }\n'
    )
    out = cli("run", str(path), "--db", str(tmp_path / "r.sqlite"), tmp_path=tmp_path)
    assert out.returncode == 2 and "'robot' is not one of llm, vlm, rl" in out.stderr
    assert not (tmp_path / "r.sqlite").exists()  # nothing started, nothing recorded


def test_a_wrong_player_id_is_an_error_before_the_run(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text(
        '[[operators]]\nid = "t"\nenv_name = "pettingzoo_classic"\ntask = "tictactoe_v3"\n'
        'workers.player_1 = { type = "baseline" }\nworkers.player_9 = { type = "baseline" }\n'
    )
    out = cli("run", str(path), "--db", str(tmp_path / "r.sqlite"), tmp_path=tmp_path)
    assert out.returncode == 2, out.stderr
    assert "no player 'player_9'" in out.stderr and "nobody plays player_2" in out.stderr
    assert not (tmp_path / "r.sqlite").exists()


def test_an_absurd_episode_count_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text(
        "[execution]\nepisodes = 1000000000\n"
        '[[operators]]\nid = "fl"\nenv_name = "toytext"\ntask = "FrozenLake-v1"\n'
        'workers.agent = { type = "baseline" }\n'
    )
    out = cli("run", str(path), "--db", str(tmp_path / "r.sqlite"), tmp_path=tmp_path, timeout=60)
    assert out.returncode == 2 and "execution.episodes" in out.stderr
    assert "1,000,000,000 episodes" in out.stderr


@pytest.mark.parametrize(
    "argv",
    [["--colors", "256"], ["--paused"], ["--no-record"], ["--db", "x.sqlite", "--seed", "3"]],
)
def test_the_bare_command_takes_the_apps_options(argv: list[str]) -> None:
    args = parser().parse_args(with_command(argv))
    assert args.command == "app"


def test_the_bare_command_help_is_the_apps(tmp_path: Path) -> None:
    out = cli("--paused", "--colors", "256", "--help", tmp_path=tmp_path)
    assert out.returncode == 0 and "usage: mosaic-tui app" in out.stdout
    assert parser().parse_args(with_command(["run", "f.toml"])).command == "run"


def recorded_db(path: Path) -> Path:
    """A run session with two episodes, then a newer app session where nothing finished."""
    with TelemetryStore.open(path) as store:
        store.begin_session(SessionRow("s-run", 100.0, "run", {"source": "sweep.toml"}))
        store.begin_run(RunRow("r1", "s-run", "fl", "FL", "toytext", "FrozenLake-v1", {}, 100.0))
        for i in range(2):
            store.record_episode(
                EpisodeRow("r1", i, i, 1.0, 3, True, False, 100.0, 101.0), []
            )
        store.end_run("r1", "finished")
        store.begin_session(SessionRow("s-app", 200.0, "app", {}))
        store.begin_run(RunRow("r2", "s-app", "op_0", "Op", "toytext", "Taxi-v3", {}, 200.0))
    return path


def test_sessions_lists_what_each_session_holds(tmp_path: Path) -> None:
    db = recorded_db(tmp_path / "r.sqlite")
    out = cli("sessions", "--db", str(db), tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    app_line = next(line for line in lines if "s-app" in line)
    run_line = next(line for line in lines if "s-run" in line)
    assert lines.index(app_line) < lines.index(run_line)  # newest first
    assert run_line.split()[-3:] == ["1", "2", "finished"]
    assert "sweep.toml" in run_line and "(app)" in app_line and "running" in app_line


def test_export_picks_a_session_by_id_or_the_latest_finished(tmp_path: Path) -> None:
    db = recorded_db(tmp_path / "r.sqlite")
    latest = cli("export", "--db", str(db), tmp_path=tmp_path)
    assert latest.returncode == 0 and len(latest.stdout.splitlines()) == 1  # header only
    assert "--latest-finished" in latest.stderr and "mosaic-tui sessions" in latest.stderr
    finished = cli("export", "--db", str(db), "--latest-finished", tmp_path=tmp_path)
    assert finished.returncode == 0 and len(finished.stdout.splitlines()) == 3
    by_id = cli("export", "s-run", "--db", str(db), tmp_path=tmp_path)
    assert by_id.stdout == finished.stdout


def test_export_into_a_missing_folder_creates_it(tmp_path: Path) -> None:
    db = recorded_db(tmp_path / "r.sqlite")
    target = tmp_path / "new" / "deeper" / "eps.csv"
    out = cli("export", "s-run", "--db", str(db), "-o", str(target), tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr and len(target.read_text().splitlines()) == 3
    blocked = tmp_path / "file"
    blocked.write_text("")
    out = cli("export", "s-run", "--db", str(db), "-o", str(blocked / "x.csv"), tmp_path=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "choose another -o" in out.stderr


def test_worker_text_in_failures_keeps_its_brackets(tmp_path: Path, monkeypatch, capsys) -> None:
    """`llm_worker[agent]` and `'mosaic-tui[multigrid]'` used to lose their brackets to Rich."""
    from mosaic_tui.cli import run as run_module
    from mosaic_tui.experiments import ExperimentResult, OperatorOutcome, parse

    spec = parse(
        {
            "operators": [
                {
                    "id": "op",
                    "env_name": "toytext",
                    "task": "FrozenLake-v1",
                    "workers": {"agent": {"type": "baseline"}},
                }
            ]
        }
    )
    message = (
        "llm_worker[agent] exited [/red] \x1b]0;title\x07;"
        " install it with pip install 'mosaic-tui[multigrid]'"
    )

    async def fake_run(spec, store, **kw):
        outcome = OperatorOutcome(spec.operators[0], "run-1", error=message, status="error")
        kw["on_start"](outcome)
        return ExperimentResult("session-1", [outcome])

    monkeypatch.setattr(run_module, "run_experiment", fake_run)
    code = run_module.execute(spec, db=tmp_path / "r.sqlite", log_dir=tmp_path)
    captured = capsys.readouterr()
    err = " ".join(captured.err.split())
    assert code == 1
    assert "llm_worker[agent] exited [/red]" in err
    assert "pip install 'mosaic-tui[multigrid]'" in err
    assert "\x1b]" not in captured.err and "\\x1b]0;title\\x07" in err
