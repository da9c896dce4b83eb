"""A pane looked up by operator id, and the frame view's full-repaint switch (benchmark only)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.css.query import WrongType
from textual.widgets import Static

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.widgets.frame_view import FrameView


async def test_pane_is_none_when_missing_but_a_wrong_widget_is_not_hidden(tmp_path: Path) -> None:
    app = MosaicApp([], log_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.pane("nobody") is None
        await app.mount(Static("not a pane", id="pane-impostor"))
        await pilot.pause()
        with pytest.raises(WrongType):  # a bug surfaces instead of reading as "no pane"
            app.pane("impostor")


class FullRepaint(FrameView):
    repaint_all = True


class ViewApp(App[None]):
    def __init__(self, view: FrameView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        yield self.view


async def refreshes_for_one_changed_row(view: FrameView) -> list[tuple]:
    """The refresh calls a view makes when one row of its frame changes."""
    app = ViewApp(view)
    async with app.run_test(size=(20, 6)) as pilot:
        rgb = np.zeros((12, 20, 3), dtype=np.uint8)
        view.show(rgb)
        await pilot.pause()
        calls: list[tuple] = []
        original = view.refresh
        view.refresh = lambda *regions, **kw: (calls.append(regions), original(*regions, **kw))[1]
        changed = rgb.copy()
        changed[0, :5] = 255  # the first cell row only, its left quarter
        view.show(changed)
        return calls


async def test_frame_view_refreshes_only_what_changed_unless_told_to_repaint_all() -> None:
    diffed = await refreshes_for_one_changed_row(FrameView())
    assert diffed and all(len(r) == 1 and r[0].y == 0 and r[0].height == 1 for r in diffed)
    assert await refreshes_for_one_changed_row(FullRepaint()) == [()]  # one whole refresh


def test_the_full_repaint_switch_is_not_read_from_the_environment() -> None:
    code = "from mosaic_tui.app.widgets.frame_view import FrameView; print(FrameView.repaint_all)"
    env = {**os.environ, "MOSAIC_TUI_REPAINT": "all"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.strip() == "False", out.stderr
