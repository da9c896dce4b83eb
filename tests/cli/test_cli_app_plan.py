"""`mosaic-tui app FILE` hands the app the file's seeds (played in order, then it pauses)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

cli_main = importlib.import_module("mosaic_tui.cli.main")  # the module (`main` is a function too)

FILE = """
name = "plan"
[execution]
episodes = 3
seeds = [7, 3, 11]
[[operators]]
id = "a"
env_name = "toytext"
task = "FrozenLake-v1"
workers.agent = { type = "baseline", behavior = "random" }
"""


@pytest.mark.parametrize(
    ("text", "extra", "want"),
    [
        (FILE, [], [7, 3, 11]),
        (FILE, ["--seed", "20"], [20, 21, 22]),
        (FILE.replace("episodes = 3\nseeds = [7, 3, 11]", "seed = 5"), [], None),  # no plan
    ],
)
def test_the_app_gets_the_files_seeds(
    text: str,
    extra: list[str],
    want: list[int] | None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    import mosaic_tui.app.app as app_module
    from mosaic_tui.cli import app as cli_app
    from mosaic_tui.runtime import template

    given: dict[str, object] = {}

    class Seen:
        def __init__(self, *args: object, **kwargs: object) -> None:
            given.update(kwargs)
            self.return_code, self.ended_by = 0, None

        def run(self) -> None:
            pass

    path = tmp_path / "plan.toml"
    path.write_text(text)
    monkeypatch.setenv("MOSAIC_TUI_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(app_module, "MosaicApp", Seen)
    monkeypatch.setattr(cli_app, "terminal_problem", lambda: None)
    monkeypatch.setattr(template, "warm", lambda: None)
    args = cli_main.parser().parse_args(["app", "--no-record", str(path), *extra])
    assert cli_app.app_command(args) == 0
    if want is None:  # the file does not say how many: the app plays on
        assert given["seeds"] is None and given["seed"] == 5
    else:
        assert list(given["seeds"]) == want  # type: ignore[call-overload]
        assert given["seed"] == want[0]


def test_a_running_session_whose_process_is_gone_is_stale(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    from mosaic_tui.cli.sessions import status_text
    from mosaic_tui.telemetry import SessionRow, TelemetryStore

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # reaped: its pid names no process now
    here = socket.gethostname()
    assert status_text("1 running", {"pid": gone.pid, "host": here}).endswith(
        f"(stale: its process {gone.pid} is gone)"
    )
    import os

    assert status_text("1 running", {"pid": os.getpid(), "host": here}) == "1 running"
    assert status_text("1 running", {"pid": gone.pid, "host": "elsewhere"}) == "1 running"
    assert status_text("2 finished", {"pid": gone.pid, "host": here}) == "2 finished"
    with TelemetryStore.open(tmp_path / "r.sqlite") as store:  # the store records who wrote
        store.begin_session(SessionRow("s1", 0.0, "run", {"experiment": "x"}))
        meta = store.session_overview(limit=1)[0].meta
    assert meta["pid"] == os.getpid() and meta["host"] == here and meta["experiment"] == "x"
