"""Workers never import code from the directory the user runs mosaic-tui in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mosaic_tui.runtime.launcher import worker

TRAP = "open({marker!r}, 'a').write(__name__ + '\\n')\n"


def booby_trapped(tmp_path: Path) -> tuple[Path, Path]:
    """A working directory whose json.py and baseline_worker/ package leave a marker if run."""
    cwd = tmp_path / "cwd"
    (cwd / "baseline_worker").mkdir(parents=True)
    (cwd / "llm_worker").mkdir()
    marker = tmp_path / "trap-ran"
    body = TRAP.format(marker=str(marker))
    (cwd / "json.py").write_text(body)
    (cwd / "numpy.py").write_text(body)
    (cwd / "baseline_worker" / "__init__.py").write_text(body)
    (cwd / "baseline_worker" / "__main__.py").write_text(body)
    (cwd / "llm_worker" / "__init__.py").write_text(body)
    return cwd, marker


@pytest.mark.parametrize(
    ("worker_id", "kwargs"),
    [("baseline_worker", {}), ("env_worker", {"env_id": "CartPole-v1"})],
)
def test_a_worker_started_in_a_trapped_directory_runs_only_its_own_code(
    tmp_path: Path, worker_id: str, kwargs: dict
) -> None:
    cwd, marker = booby_trapped(tmp_path)
    argv, env = worker(worker_id).command("t", **kwargs)
    out = subprocess.run(
        argv,
        input=b'{"cmd":"ping","req":7}\n',
        capture_output=True,
        cwd=cwd,
        env={**os.environ, **env},
        timeout=60,
    )
    assert not marker.exists(), f"code from the working directory ran: {marker.read_text()}"
    assert b'"type":"pong","req":7' in out.stdout, out.stderr.decode()
    assert out.returncode == 0


def test_pythonpath_still_reaches_the_worker(tmp_path: Path) -> None:
    """PYTHONPATH stays usable (users register their own envs that way): no `-I`."""
    extra = tmp_path / "extra"
    extra.mkdir()
    argv, env = worker("baseline_worker").command("t")
    code = "import sys; print(repr(sys.path))"
    probe = [argv[0], "-c", argv[2].replace("import runpy", code + "\nimport runpy"), *argv[3:]]
    out = subprocess.run(
        probe,
        input=b"",
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, **env, "PYTHONPATH": str(extra)},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr.decode()
    shown = out.stdout.decode().splitlines()[0]
    assert repr(str(extra)) in shown
    assert "''" not in shown and repr(str(tmp_path)) not in shown


def test_mosaic_tui_run_in_a_trapped_directory(tmp_path: Path) -> None:
    cwd, marker = booby_trapped(tmp_path)
    config = tmp_path / "c.toml"
    config.write_text(
        '[execution]\nepisodes = 1\nseed = 3\n[[operators]]\nid = "ttt"\n'
        'env_name = "pettingzoo_classic"\ntask = "tictactoe_v3"\n'
        'workers.player_1 = { type = "baseline", behavior = "random" }\n'
        'workers.player_2 = { type = "baseline", behavior = "cycling" }\n'
    )
    script = Path(sys.executable).with_name("mosaic-tui")  # the console script, as users run it
    out = subprocess.run(
        [str(script), "run", str(config), "--db", str(tmp_path / "r.sqlite")],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={
            **os.environ,
            "MOSAIC_TUI_DATA_DIR": str(tmp_path / "data"),
            "MOSAIC_TUI_STATE_DIR": str(tmp_path / "state"),
        },
        timeout=180,
    )
    assert not marker.exists(), f"code from the working directory ran: {marker.read_text()}"
    assert out.returncode == 0, out.stderr
    assert "ttt" in out.stdout
