"""`mosaic-tui gif SESSION OPERATOR EPISODE -o out.gif`, after a `mosaic-tui run`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from cli_helpers import cli
from PIL import Image

GRID = """
name = "grid"
[execution]
episodes = 2
seed = 9
[[operators]]
id = "grid"
env_name = "minigrid"
task = "MiniGrid-Empty-5x5-v0"
max_steps = 25
workers.agent = { type = "baseline", behavior = "random" }
"""


def test_a_recorded_episode_becomes_a_gif(tmp_path: Path) -> None:
    file, db = tmp_path / "grid.toml", tmp_path / "g.db"
    file.write_text(GRID)
    assert cli("run", str(file), "--db", str(db), tmp_path=tmp_path).returncode == 0
    report = json.loads(cli("report", "--db", str(db), "--format", "json",
                            tmp_path=tmp_path).stdout)  # fmt: skip
    session = report["session_id"]
    out = tmp_path / "ep1.gif"
    made = cli("gif", session, "grid", "1", "-o", str(out), "--db", str(db), "--fps", "5",
               tmp_path=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "warning" not in made.stderr  # the env reproduced the recording
    with sqlite3.connect(db) as conn:
        (length,) = conn.execute("SELECT length FROM episodes WHERE episode_index = 1").fetchone()
    with Image.open(out) as gif:
        assert gif.size == (160, 160)  # MiniGrid's own 5x5 at 32 px a cell
        shown = 0
        for index in range(gif.n_frames):  # Pillow merges repeated frames, adding their time
            gif.seek(index)
            shown += gif.info["duration"]
        assert shown == (length + 1) * 200  # the reset and every step, 1/5 s each
    small = tmp_path / "small.gif"
    assert cli("gif", session, "grid", "0", "-o", str(small), "--size", "80x80", "--db",
               str(db), tmp_path=tmp_path).returncode == 0  # fmt: skip
    with Image.open(small) as gif:
        assert max(gif.size) <= 80
    wrong = cli("gif", session, "nope", "0", "-o", str(out), "--db", str(db), tmp_path=tmp_path)
    assert wrong.returncode == 2 and "has no operator 'nope' (it has: grid)" in wrong.stderr
    late = cli("gif", session, "grid", "7", "-o", str(out), "--db", str(db), tmp_path=tmp_path)
    assert late.returncode == 2 and "episodes 0 to 1; there is no episode 7" in late.stderr
    png = cli("gif", session, "grid", "0", "-o", str(tmp_path / "x.png"), "--db", str(db),
              tmp_path=tmp_path)  # fmt: skip
    assert png.returncode == 2 and "must end in .gif" in png.stderr
