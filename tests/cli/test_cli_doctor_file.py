"""`mosaic-tui doctor --file FILE`: every host the file names, with the families its operators
there use and the file's own [hosts] settings; no host named is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from mosaic_tui.cli import doctor
from mosaic_tui.cli.main import main

FILE = """
name = "far"
[hosts."box"]
python = "/opt/venv/bin/python"

[[operators]]
id = "far"
env_name = "minigrid"
task = "MiniGrid-Empty-8x8-v0"
host = "box"
workers.agent = { type = "baseline", behavior = "random" }

[[operators]]
id = "split"
env_name = "toytext"
task = "FrozenLake-v1"
workers.agent = { type = "baseline", behavior = "random", host = "gpu1" }

[[operators]]
id = "near"
env_name = "toytext"
task = "FrozenLake-v1"
workers.agent = { type = "baseline", behavior = "random" }
"""


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The hosts doctor is run on, their families, and the python it would use there."""
    from mosaic_tui.runtime import remote

    calls: list[tuple[str, list[str], str]] = []

    def fake(name: str, families: list[str] | None = None) -> int:
        calls.append((name, list(families or []), remote.host(name).python))
        return {"box": 0, "gpu1": 1}.get(name, 2)

    monkeypatch.setattr(doctor, "doctor_command", fake)
    yield calls
    remote.use_hosts({})  # the file's [hosts] do not outlive the test


def test_every_host_a_file_names_is_checked_with_its_settings(
    tmp_path: Path, asked: list[tuple[str, list[str], str]]
) -> None:
    path = tmp_path / "far.toml"
    path.write_text(FILE)
    assert main(["doctor", "--file", str(path)]) == 1  # gpu1 lacks something: the worst
    assert asked == [
        ("box", ["minigrid"], "/opt/venv/bin/python"),  # the file's [hosts] table is used
        ("gpu1", [], "python3"),  # a player alone there: mosaic-tui, no env family
    ]
    asked.clear()
    assert main(["doctor", "box", "--file", str(path), "--family", "toytext"]) == 0
    assert asked == [("box", ["minigrid", "toytext"], "/opt/venv/bin/python")]


def test_a_file_naming_no_host_or_no_host_at_all_is_a_usage_error(
    tmp_path: Path, asked: list[tuple[str, list[str], str]], capsys: pytest.CaptureFixture[str]
) -> None:
    here = Path(__file__).resolve().parents[2] / "examples" / "hybrid.toml"
    assert main(["doctor", "--file", str(here)]) == 2
    assert "names no host" in capsys.readouterr().err and asked == []
    with pytest.raises(SystemExit) as stopped:
        main(["doctor"])
    assert stopped.value.code == 2
    assert "doctor needs a HOST, or --file FILE" in capsys.readouterr().err
