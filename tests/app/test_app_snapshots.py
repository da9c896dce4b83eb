"""Layout snapshots of the main screens (pytest-textual-snapshot).

The operators are paused and reset with a fixed seed before each picture, so the frames and
counters are the same on every run. Update after an intended change with
`pytest tests/app/test_app_snapshots.py --snapshot-update`, and look at the diff report.
"""

from __future__ import annotations

import asyncio

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.demo import demo_operators
from mosaic_tui.app.widgets.frame_pane import FramePane


async def _settle(pilot, condition, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        assert loop.time() < end, "the app did not settle"
        await pilot.pause(0.05)


async def _paused_and_reset(pilot) -> None:
    app = pilot.app
    panes = lambda: list(app.query(FramePane))  # noqa: E731
    await _settle(
        pilot,
        lambda: len(app.session.runners) == 2 and all(p.view.frames_shown >= 1 for p in panes()),
    )
    shown = [p.view.frames_shown for p in panes()]
    await pilot.press("r")  # frames again, now at the final pane size
    await _settle(
        pilot, lambda: all(p.view.frames_shown > n for p, n in zip(panes(), shown, strict=True))
    )
    await pilot.pause(0.3)
    app.drawing.refresh_status()
    await pilot.pause(0.1)


def test_main_screen_120x40(snap_compare, tmp_path) -> None:
    app = MosaicApp(demo_operators(), log_dir=tmp_path, seed=3, autorun=False)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_paused_and_reset)


def test_main_screen_80x24(snap_compare, tmp_path) -> None:
    app = MosaicApp(demo_operators(), log_dir=tmp_path, seed=3, autorun=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_paused_and_reset)


def test_main_screen_60x20(snap_compare, tmp_path) -> None:
    """Small terminal: no list, one status line, the footer keeps Quit and the palette."""
    app = MosaicApp(demo_operators(), log_dir=tmp_path, seed=3, autorun=False)
    assert snap_compare(app, terminal_size=(60, 20), run_before=_paused_and_reset)


def test_configure_form(snap_compare, tmp_path) -> None:
    async def open_form(pilot) -> None:
        from textual.widgets import Input

        await pilot.press("a")
        await pilot.pause(0.3)
        for field in pilot.app.screen.query(Input):  # a blinking cursor is a coin toss
            field.cursor_blink = False
        await pilot.pause(0.2)

    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    assert snap_compare(app, terminal_size=(120, 40), run_before=open_form)


def test_terminal_too_small(snap_compare, tmp_path) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    assert snap_compare(app, terminal_size=(50, 12))
