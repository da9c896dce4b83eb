"""A log folder that cannot be made is said in one line before anything starts or is
recorded, with how to choose another."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import ROOT, cli

EXAMPLE = str(ROOT / "examples" / "minigrid_baselines.toml")


def test_a_state_dir_that_is_a_file_stops_run_and_check_before_anything_is_recorded(
    tmp_path: Path,
) -> None:
    (tmp_path / "afile").write_text("")
    env = {"MOSAIC_TUI_STATE_DIR": str(tmp_path / "afile")}
    for command in ("run", "check"):
        done = cli(command, EXAMPLE, tmp_path=tmp_path, env=env)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        (line,) = done.stderr.strip().splitlines()
        assert f"{tmp_path / 'afile'} is a file, not a folder" in line
        assert "MOSAIC_TUI_STATE_DIR" in line and "--log-dir" in line
    assert not (tmp_path / "data" / "runs.sqlite").exists()  # no session recorded


def test_an_unwritable_log_dir_option_is_named(tmp_path: Path) -> None:
    done = cli("run", EXAMPLE, "--log-dir", "/proc/nope", tmp_path=tmp_path, columns=400)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    flat = " ".join(done.stderr.split())
    assert "cannot create the folder /proc/nope (No such file or directory)" in flat
    assert "choose another with --log-dir" in flat
