"""docs/python-api.md: every example in it runs, and prints what the page says it does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "python-api.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_page_has_its_four_examples() -> None:
    assert len(EXAMPLES) == 4


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_each_example_runs(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {"__name__": f"python_api_example_{index}"}
    exec(compile(EXAMPLES[index], f"{DOC.name} example {index + 1}", "exec"), namespace)
    out = capsys.readouterr().out
    if index == 0:
        assert re.fullmatch(r"20 episodes, mean return \d\.\d\d, mean length \d+\.\d\n", out)
    elif index == 1:
        lines = out.splitlines()
        assert lines[0] == "baseline_worker:player_2 - baseline_worker"
        assert [line.split()[0] for line in lines[1:]] == ["1", "2", "3"]
        assert all("'player_1'" in line and "'player_2'" in line for line in lines[1:])
    elif index == 3:
        assert out == "sequential ['player_0'] ['player_1']\n"
    else:
        rows = [line.split() for line in out.splitlines()]
        assert [r[:3] for r in rows] == [
            ["taxi_random", "finished", "10"],
            ["taxi_noop", "finished", "10"],
        ]
