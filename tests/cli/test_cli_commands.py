"""The `mosaic-tui` command as a user runs it: exit codes and what it prints."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import cli


def test_run_example_records_and_summarises(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    out = cli("run", "examples/minigrid_baselines.toml", "--db", str(db), tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "random_empty" in out.stdout and "cycling_empty" in out.stdout
    assert "return (95% CI)" in out.stdout
    assert f"results: {db}" in out.stdout
    from mosaic_tui.telemetry import TelemetryStore

    with TelemetryStore.open(db) as store:
        runs = store.runs()
        assert len(runs) == 2 and all(len(store.episodes(r.run_id)) == 3 for r in runs)
    # export what was recorded
    csv_out = cli("export", "--db", str(db), "--table", "episodes", tmp_path=tmp_path)
    assert csv_out.returncode == 0
    lines = csv_out.stdout.strip().splitlines()
    assert lines[0].startswith("run_id,episode_index,seed") and len(lines) == 1 + 6


def test_run_with_a_broken_file_says_where(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[execution]\nepisods = 2\n")
    out = cli("run", str(bad), "--db", str(tmp_path / "r.sqlite"), tmp_path=tmp_path)
    assert out.returncode == 2
    assert "execution.episods" in out.stderr and "did you mean 'episodes'" in out.stderr


def test_run_reports_a_failed_operator_and_exits_non_zero(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text(
        '[execution]\nepisodes = 1\n[[operators]]\nid = "x"\nenv_name = "toytext"\n'
        'task = "FrozenLake-v1"\nenv_settings = { bogus = 1 }\n'
        '[operators.workers.agent]\ntype = "baseline"\n'
    )
    out = cli("run", str(bad), "--db", str(tmp_path / "r.sqlite"), tmp_path=tmp_path)
    assert out.returncode == 1
    assert "x failed" in out.stderr and "bogus" in out.stderr


def test_smoke_passes_on_this_machine(tmp_path: Path) -> None:
    out = cli("smoke", "--steps", "3", tmp_path=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    for family in ("minigrid", "babyai", "toytext", "classic_control"):
        assert family in out.stdout
    assert "failed" not in out.stdout


def test_envs_lists_families_and_tasks(tmp_path: Path) -> None:
    out = cli("envs", tmp_path=tmp_path)
    assert out.returncode == 0 and "minigrid" in out.stdout and "toytext" in out.stdout
    tasks = cli("envs", "minigrid", tmp_path=tmp_path)
    assert "MiniGrid-Empty-8x8-v0" in tasks.stdout.split()
    unknown = cli("envs", "atari", tmp_path=tmp_path)
    assert unknown.returncode == 2 and "unknown environment family" in unknown.stdout


def test_export_without_a_database_is_explained(tmp_path: Path) -> None:
    out = cli("export", "--db", str(tmp_path / "none.sqlite"), tmp_path=tmp_path)
    assert out.returncode == 2 and "no results database" in out.stderr


def test_a_missing_extra_is_named_in_full(monkeypatch, capsys) -> None:
    """`[multigrid]` is text, not console markup: the install command must survive printing."""
    from mosaic_tui.cli.listing import envs_command
    from mosaic_tui.envs import catalog

    real = catalog.Family.installed
    monkeypatch.setattr(
        catalog.Family,
        "installed",
        property(lambda self: self.name != "multigrid" and real.fget(self)),
    )
    envs_command("multigrid")
    out = capsys.readouterr().out
    assert "pip install 'mosaic-tui[multigrid]'" in out


def test_convert_writes_a_script_as_toml_and_never_over_a_file(tmp_path: Path) -> None:
    out = tmp_path / "new" / "experiment.toml"
    first = cli("convert", "examples/reference_script.py", "-o", str(out), tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    assert 'behavior = "noop"' in out.read_text() and "episodes = 5" in out.read_text()
    out.write_text("# mine\n")
    again = cli("convert", "examples/reference_script.py", "-o", str(out), tmp_path=tmp_path)
    assert again.returncode == 2 and "exists; remove it or choose another -o" in again.stderr
    assert out.read_text() == "# mine\n"  # nothing the user had is lost
    bad = tmp_path / "bad.py"
    bad.write_text('operators = []\nimport os\n')
    refused = cli("convert", str(bad), tmp_path=tmp_path)
    assert refused.returncode == 2 and "line 2" in refused.stderr and not refused.stdout
