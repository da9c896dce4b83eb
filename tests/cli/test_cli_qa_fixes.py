"""Fixes from a QA pass over the command line: help that works, options that refuse what the
app cannot keep, tables that keep what identifies a row at 80 columns, and the few places
where a command said one thing and did another."""

from __future__ import annotations

import argparse
import importlib
import io
import json
import math
import os
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import ROOT, cli
from rich.console import Console

from mosaic_tui.cli.report import render
from mosaic_tui.render.report import report_tables
from mosaic_tui.telemetry.report import (
    OperatorReport,
    SessionReport,
    numbered,
    paired_differences,
    t_interval,
)

cli_main = importlib.import_module("mosaic_tui.cli.main")  # the module (`main` is a function too)
KILLED = "env_worker[MiniGrid-Empty-8x8-v0] is not running (killed by SIGKILL)"


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli_main.parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


# --help (QA #4, #11) -------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_top_level_help_lists_the_commands(
    flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli_main.main([flag])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: mosaic-tui") and "95% intervals" in out
    assert all(name in out for name in cli_main.COMMANDS)


@pytest.mark.parametrize("command", sorted(subcommands()))
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli_main.parser().parse_args([command, "--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: mosaic-tui {command}")


def test_no_help_string_has_a_stray_percent() -> None:
    """argparse %-formats every help string: each must expand (a lone % is a crash)."""
    for name, sub in {"": cli_main.parser(), **subcommands()}.items():
        formatter = sub._get_formatter()
        for action in sub._actions:
            if action.help:
                formatter._expand_help(action)  # raises on `95% i`
        assert sub.format_help(), name


def test_llm_serve_help_still_goes_to_serve() -> None:
    args = cli_main.parser().parse_args(["llm", "serve", "--help"])
    assert (args.action, args.rest) == ("serve", ["--help"])


# app (QA #3, #9) -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "-inf", "abc", "0.0"])
def test_pace_refuses_what_the_app_cannot_keep(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli_main.parser().parse_args(["app", "--pace", value])
    assert exited.value.code == 2
    assert "--pace" in capsys.readouterr().err


def test_pace_takes_any_number_above_zero() -> None:
    assert cli_main.parser().parse_args(["app", "--pace", "0.5"]).pace == 0.5
    assert cli_main.parser().parse_args(["app"]).pace == 10.0
    assert math.isfinite(cli_main.parser().parse_args(["app", "--pace", "1e6"]).pace)


def test_pace_message_says_what_to_give(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli_main.main(["--pace", "0"])  # no command: the app's options
    assert "give a number > 0" in capsys.readouterr().err


@pytest.mark.parametrize("code", [1, 3])
def test_the_app_exits_non_zero_after_a_crash(
    code: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Textual sets return_code 1 when an unhandled exception ended the app."""
    import mosaic_tui.app.app as app_module
    from mosaic_tui.cli import app as cli_app
    from mosaic_tui.runtime import template

    class Crashed:
        def __init__(self, *args: object, **kwargs: object) -> None:
            self.return_code: int | None = None
            self.ended_by = None

        def run(self) -> None:
            self.return_code = code  # what App._handle_exception leaves

    monkeypatch.setenv("MOSAIC_TUI_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(app_module, "MosaicApp", Crashed)
    monkeypatch.setattr(cli_app, "terminal_problem", lambda: None)
    monkeypatch.setattr(template, "warm", lambda: None)
    args = cli_main.parser().parse_args(["app", "--no-record", "--paused"])
    assert cli_app.app_command(args) == code

    class Quit(Crashed):
        def run(self) -> None:
            self.return_code = 0

    monkeypatch.setattr(app_module, "MosaicApp", Quit)
    assert cli_app.app_command(args) == 0


# sessions (QA #7, #8, #19) -------------------------------------------------------------------


def test_sessions_limit_must_be_one_or_more(capsys: pytest.CaptureFixture[str]) -> None:
    for value in ("-1", "0"):
        with pytest.raises(SystemExit) as exited:
            cli_main.parser().parse_args(["sessions", "-n", value])
        assert exited.value.code == 2
    assert "1 or more" in capsys.readouterr().err
    assert cli_main.parser().parse_args(["sessions", "-n", "3"]).limit == 3


def test_sessions_never_cut_the_session_id_at_80_columns() -> None:
    from mosaic_tui.cli.sessions import sessions_table
    from mosaic_tui.telemetry.store import SessionOverview

    long_file = "/home/someone/experiments/a/rather/long/path/toytext_sweep_variant.toml"
    rows = [
        SessionOverview("20261130T174909-7d93", time.time(), "run", {"source": long_file}, 12,
                        3600, ["interrupted", "error"]),  # fmt: skip
        SessionOverview("20261130T174910-0a1b", time.time(), "app", {}, 1, 0, ["error"]),
    ]
    console = Console(file=io.StringIO(), width=80, color_system=None)
    console.print(sessions_table(rows))
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert any("20261130T174909-7d93" in line for line in lines)
    assert any("20261130T174910-0a1b" in line for line in lines)
    assert all(len(line.rstrip()) <= 80 for line in lines)


LAKE = """
name = "lake"
[execution]
episodes = 1
seed = 3
[[operators]]
id = "walker"
env_name = "toytext"
task = "FrozenLake-v1"
workers.agent = { type = "baseline", behavior = "random" }
"""


def test_sessions_show_the_file_that_was_run(tmp_path: Path) -> None:
    file, db = tmp_path / "lake.toml", tmp_path / "r.db"
    file.write_text(LAKE)
    assert cli("run", str(file), "--db", str(db), tmp_path=tmp_path).returncode == 0
    listed = cli("sessions", "--db", str(db), tmp_path=tmp_path, columns=250)
    assert listed.returncode == 0, listed.stderr
    assert str(file) in listed.stdout and "(run)" not in listed.stdout
    meta = json.loads(cli("report", "--db", str(db), "--format", "json",
                          tmp_path=tmp_path).stdout)["meta"]  # fmt: skip
    assert meta["source"] == str(file)


def test_parse_keeps_its_source() -> None:
    from mosaic_tui.experiments import load, parse

    data = {"operators": [{"id": "a", "env_name": "toytext", "task": "FrozenLake-v1",
                           "workers": {"agent": {"type": "baseline"}}}]}  # fmt: skip
    assert parse(data, source="here.toml").source == "here.toml"
    assert parse(data).source is None
    path = ROOT / "examples" / "toytext_sweep.toml"
    assert load(path).source == str(path)
    tournament = ROOT / "examples" / "tournament.toml"
    if tournament.exists():
        assert load(tournament).source == str(tournament)


# report (QA #6, #13, #14) --------------------------------------------------------------------


def operator(op_id: str, status: str = "finished", error: str | None = None,
             task: str = "MiniGrid-Empty-8x8-v0", run_id: str | None = None) -> OperatorReport:
    returns = [0.5, -3.0, 12.25]
    return OperatorReport(run_id or f"r-{op_id}", op_id, op_id, "minigrid", task, status, error,
                          t_interval(returns), 0.0, 50.0, 150, 10.0, [], [1, 2, 3],
                          returns)  # fmt: skip


def session(ops: list[OperatorReport]) -> SessionReport:
    ops = numbered(ops)
    return SessionReport("20261130T174909-7d93", 0.0, "run", {}, ops, paired_differences(ops))


def printed(report: SessionReport, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False)
    console.print(report_tables(report, width))
    return console.file.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [80, 116, 200])
def test_a_long_error_never_hides_the_operator(width: int) -> None:
    report = session([operator("random_empty8", "error", KILLED), operator("cycling_empty8")])
    text = printed(report, width)
    header = next(line for line in text.splitlines() if "task" in line and "status" in line)
    assert "operator" in header
    assert "random_empty8" in text and "cycling_empty8" in text
    assert "SIGKILL)" in text  # the whole error, folded: its end is the useful part
    assert all(len(line.rstrip()) <= width for line in text.splitlines())


def test_the_cli_table_keeps_the_operator_at_80_columns() -> None:
    report = session([operator("random_empty8", "error", KILLED), operator("cycling_empty8")])
    text = render(report, "table", width=80)
    assert "random_empty8" in text and "cycling_empty8" in text and "(killed by" in text


def test_markdown_has_the_whole_error() -> None:
    error = KILLED + " " + "x" * 80 + " log: /tmp/state/logs/env_worker.log"
    text = render(session([operator("a", "error", error)]), "markdown")
    assert f"error: {error} |" in text


def test_a_restarted_operator_is_told_apart_and_never_paired_with_itself() -> None:
    first = operator("frozenlake-rl", "error", "rl_worker[agent] is not running (killed by"
                     " SIGKILL)", task="FrozenLake-v1", run_id="r1")  # fmt: skip
    second = operator("frozenlake-rl", "stopped", task="FrozenLake-v1", run_id="r2")
    other = operator("random", task="FrozenLake-v1")
    report = session([first, second, other])
    assert [op.label for op in report.operators] == [
        "frozenlake-rl (run 1)", "frozenlake-rl (run 2)", "random"]  # fmt: skip
    pairs = {(d.first, d.second) for d in report.differences}
    assert pairs == {("frozenlake-rl (run 1)", "random"), ("frozenlake-rl (run 2)", "random")}
    for width in (80, 120):
        text = printed(report, width)
        assert "(run 1)" in text and "(run 2)" in text
    markdown = render(report, "markdown")
    assert "| frozenlake-rl (run 2) |" in markdown
    assert "frozenlake-rl | frozenlake-rl" not in markdown
    rows = render(report, "csv").splitlines()
    assert sum("frozenlake-rl (run" in row for row in rows) == 2 + 2  # operators, differences


def test_a_single_run_keeps_its_plain_id() -> None:
    report = session([operator("a"), operator("b")])
    assert [op.label for op in report.operators] == ["a", "b"]
    assert [(d.first, d.second) for d in report.differences] == [("a", "b")]


# check-worker (QA #10) -----------------------------------------------------------------------


def test_check_worker_runs_a_bare_python_as_mosaic_tuis_interpreter() -> None:
    from mosaic_tui.cli.check_worker import with_interpreter

    assert with_interpreter(["python", "-m", "w", "{x}", "a b", ""]) == [
        sys.executable, "-m", "w", "{x}", "a b", ""]  # fmt: skip
    assert with_interpreter(["python3", "w.py"])[0] == sys.executable
    assert with_interpreter(["/usr/bin/python", "w.py"])[0] == "/usr/bin/python"


def test_check_worker_finds_the_baseline_worker_without_the_venv_on_path(
    tmp_path: Path,
) -> None:
    """The README's own example, from a shell where the venv is not activated."""
    import subprocess

    bin_dir = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if p and Path(p) != Path(bin_dir))  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-m", "mosaic_tui.cli", "check-worker", "--skip", "reproducible",
         "--", "python", "-m", "baseline_worker"],
        capture_output=True, text=True, timeout=180, cwd=tmp_path,
        env={**os.environ, "PATH": path or "/usr/bin:/bin", "COLUMNS": "200",
             "VIRTUAL_ENV": ""},
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "every check passed" in out.stdout


# run, gif, doctor (QA #19) -------------------------------------------------------------------


def test_run_refuses_a_human_player_before_starting_anything(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    file = ROOT / "examples" / "play_minigrid.toml"
    out = cli("run", str(file), "--db", str(db), tmp_path=tmp_path)
    assert out.returncode == 2
    (line,) = out.stderr.strip().splitlines()
    assert "'you'" in line and "human player" in line and "mosaic-tui app" in line
    assert out.stdout == ""  # no progress, no table: nothing ran
    assert not db.exists()  # nothing recorded
    assert "run` refuses it" in file.read_text()  # the example says so


def test_gif_creates_the_output_folders(tmp_path: Path) -> None:
    file, db = tmp_path / "grid.toml", tmp_path / "g.db"
    file.write_text(
        'name = "grid"\n[execution]\nepisodes = 1\nseed = 9\n[[operators]]\nid = "grid"\n'
        'env_name = "minigrid"\ntask = "MiniGrid-Empty-5x5-v0"\nmax_steps = 5\n'
        'workers.agent = { type = "baseline", behavior = "random" }\n'
    )
    assert cli("run", str(file), "--db", str(db), tmp_path=tmp_path).returncode == 0
    session_id = json.loads(cli("report", "--db", str(db), "--format", "json",
                                tmp_path=tmp_path).stdout)["session_id"]  # fmt: skip
    out = tmp_path / "new" / "folders" / "ep0.gif"
    made = cli("gif", session_id, "grid", "0", "-o", str(out), "--db", str(db),
               tmp_path=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert out.stat().st_size > 0


def test_doctor_refuses_an_unknown_family_before_ssh(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mosaic_tui.cli import doctor

    def no_ssh(name: str) -> None:
        raise AssertionError("ssh was tried")

    monkeypatch.setattr(doctor, "probe", no_ssh)
    assert doctor.doctor_command("somebox", ["nosuch"]) == 2
    err = capsys.readouterr().err
    assert "unknown family nosuch" in err and "minigrid" in err


def test_doctor_does_not_advise_running_itself() -> None:
    from mosaic_tui.cli.doctor import without_doctor
    from mosaic_tui.runtime import remote

    for code in (remote.SSH_FAILED, 127):
        said = remote.exit_text("nohost", code)
        assert said is not None and "mosaic-tui doctor nohost" in said
        cleaned = without_doctor(said, "nohost")
        assert "mosaic-tui doctor" not in cleaned
        assert cleaned.count("(") == cleaned.count(")")


def test_the_run_summary_keeps_ids_and_status_at_80_columns(tmp_path: Path) -> None:
    file = tmp_path / "lake.toml"
    file.write_text(LAKE.replace('id = "walker"', 'id = "frozenlake_random_walker"'))
    out = cli("run", str(file), "--db", str(tmp_path / "r.db"), tmp_path=tmp_path, columns=80)
    assert out.returncode == 0, out.stderr
    (row,) = [line for line in out.stdout.splitlines() if "frozenlake_random_walker" in line
              and "finished" in line]  # fmt: skip
    assert len(row.rstrip()) <= 80


def test_a_session_without_runs_still_has_a_report() -> None:
    text = printed(SessionReport("s", 0.0, "app", {}, [], []), 80)
    assert "operator" in text and "status" in text
