"""Small terminals: the frames get the room, the footer keeps Quit, whose move stays readable."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.demo import demo_operators
from mosaic_tui.app.widgets.frame_pane import FramePane
from mosaic_tui.core import OperatorConfig


def human_lake() -> OperatorConfig:
    return OperatorConfig.single_agent(
        "op_h", "Me", "human", "human", env_name="toytext", task="FrozenLake-v1", max_steps=50
    )


def started(app: MosaicApp, n: int) -> bool:
    return len(app.session.runners) == n and all(
        r.env is not None and r.episode >= 0 for r in app.session.runners.values()
    )


def footer_keys(app: MosaicApp) -> list[str]:
    return [k.action for k in app.query(FooterKey) if k.display and k.region.width > 0]


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_small_terminals_give_frames_the_room(
    tmp_path: Path, wait_until, size: tuple[int, int]
) -> None:
    app = MosaicApp([*demo_operators(), human_lake()], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: started(app, 3))
        await pilot.pause(0.3)
        width, height = size
        assert not app.query_one("#sidebar").display  # the list hides itself...
        assert "paused" in str(app.query_one("#status-line", Static).render())  # ...state stays
        panes = list(app.query(FramePane))
        assert sum(p.region.width for p in panes) >= width - len(panes)  # all the width
        keys = footer_keys(app)
        assert "quit" in keys and "command_palette" in keys
        assert "toggle_run" in keys
        last = max(k.region.right for k in app.query(FooterKey) if k.display)
        assert last <= width  # nothing cut off at the right
        human = app.query_one("#pane-op_h", FramePane)
        status = str(human.query_one("#status", Static).render())
        assert status.endswith("your move") and len(status) <= human.size.width - 2
        await pilot.press("b")  # the list on demand
        await pilot.pause()
        assert app.query_one("#sidebar").display
