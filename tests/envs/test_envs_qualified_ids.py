"""Task ids written with a module (`pettingzoo.classic.chess_v6`, `foo.bar:Baz-v0`) are named as
the cause, with the plain id to write, instead of an install hint for the wrong extra."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mosaic_tui.envs import EnvError
from mosaic_tui.envs.catalog import check_task


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("pettingzoo.classic.tictactoe_v3", "write task = 'tictactoe_v3'"),
        ("foo.tictactoe_v3", "write task = 'tictactoe_v3'"),
        ("minigrid:MiniGrid-Empty-8x8-v0", "write task = 'MiniGrid-Empty-8x8-v0'"),
        ("foo.bar:Baz-v0", "unknown env id 'Baz-v0'"),
    ],
)
def test_a_module_qualified_id_names_the_cause(task: str, expected: str) -> None:
    with pytest.raises(EnvError) as info:
        check_task(task)
    text = str(info.value)
    assert "plain id" in text and expected in text
    assert "pip install" not in text  # the old message sent users to install an extra


def test_mosaic_tui_run_with_a_dotted_task(tmp_path: Path) -> None:
    config = tmp_path / "dotted.toml"
    config.write_text(
        '[execution]\nepisodes = 1\n[[operators]]\nid = "x"\nenv_name = "pettingzoo_classic"\n'
        'task = "pettingzoo.classic.tictactoe_v3"\n'
        'workers.player_1 = { type = "baseline" }\nworkers.player_2 = { type = "baseline" }\n'
    )
    out = subprocess.run(
        [sys.executable, "-m", "mosaic_tui.cli", "run", str(config), "--db", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "MOSAIC_TUI_DATA_DIR": str(tmp_path),
            "MOSAIC_TUI_STATE_DIR": str(tmp_path),
        },
    )
    assert out.returncode == 2
    assert "dotted module path" in out.stderr and "write task = 'tictactoe_v3'" in out.stderr
    assert "pip install" not in out.stderr
