"""Many operators on one screen (issue 13): how panes are laid out, how often they paint, and
what a step costs the screen. Behaviour only; the speed is measured by `python -m bench scale`.
"""

from __future__ import annotations

import asyncio
import math
import time

import numpy as np
from textual.app import App, ComposeResult
from textual.geometry import Region

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.layout import best_columns, frame_interval
from mosaic_tui.app.messages import OperatorChanged
from mosaic_tui.app.widgets.frame_pane import FramePane
from mosaic_tui.app.widgets.operator_list import OperatorList
from mosaic_tui.protocol import Frame
from mosaic_tui.runtime import StepTaken


def frame(value: int, size: int = 8) -> Frame:
    return Frame.from_array(np.full((size, size, 3), value, dtype=np.uint8))


async def mounted_panes(app: MosaicApp, pilot, count: int) -> list[FramePane]:
    """`count` panes in the app's grid, as `add_operator` mounts them (without workers)."""
    panes = [FramePane(f"op{i}", f"op{i} · Random · MiniGrid") for i in range(count)]
    for pane in panes:
        await app.query_one("#grid").mount(pane)
        app._panes[pane.operator_id] = pane
    app.screen_layout.relayout()
    await pilot.pause(0.2)
    return panes


def test_sixteen_panes_make_a_four_by_four_grid_where_another_is_barely_bigger() -> None:
    assert best_columns(16, 170, 59) == 4  # 200x60 with the list: 4x4, not 6x3 with holes
    assert best_columns(4, 170, 59) == 2  # four stay 2x2
    assert best_columns(16, 90, 39) == 4  # 120x40 with the list
    assert best_columns(9, 170, 59) == 3
    assert best_columns(12, 170, 59) == 4
    assert best_columns(5, 200, 30) == 5  # a full row beats 3x2 with a hole


async def test_sixteen_operators_at_200x60_are_laid_out_four_by_four() -> None:
    app = MosaicApp([], autorun=False)
    async with app.run_test(size=(200, 60)) as pilot:
        panes = await mounted_panes(app, pilot, 16)
        xs = sorted({p.region.x for p in panes})
        ys = sorted({p.region.y for p in panes})
        assert len(xs) == 4 and len(ys) == 4
        widths = {p.region.width for p in panes}
        assert max(widths) - min(widths) <= 1  # the columns share the width
        assert all(p.region.height >= 12 for p in panes)
        width, height = panes[0].pixel_box
        assert width >= 36 and height >= 20  # frames are asked for at that size
        assert all(p.frame_every == frame_interval(16) for p in panes)


def test_panes_paint_less_often_only_when_there_are_many() -> None:
    assert frame_interval(1) == frame_interval(4) == 1 / 30
    assert math.isclose(frame_interval(16), 1 / 10)  # 160 paints a second in all
    assert frame_interval(32) > frame_interval(16)


class OnePane(App[None]):
    def compose(self) -> ComposeResult:
        yield FramePane("a", "a")


async def test_a_pane_paints_the_newest_of_several_frames_once() -> None:
    app = OnePane()
    async with app.run_test(size=(40, 20)) as pilot:
        pane = app.query_one(FramePane)
        await pilot.pause(0.1)
        for value in (10, 20, 30, 40, 50):  # faster than it paints: all in one loop turn
            pane.frame_arrived(frame(value))
        await pilot.pause(0.2)
        assert pane.view.frames_shown == 1
        assert int(pane.view._rgb[0, 0, 0]) == 50  # the newest; the others were never painted


async def test_a_stream_of_frames_paints_at_most_once_per_interval() -> None:
    app = OnePane()
    async with app.run_test(size=(40, 20)) as pilot:
        pane = app.query_one(FramePane)
        pane.frame_every = 0.05
        await pilot.pause(0.1)
        loop = asyncio.get_running_loop()
        start = loop.time()
        for value in range(40):  # one every 5 ms for 0.2 s
            pane.frame_arrived(frame(value))
            await asyncio.sleep(0.005)
        elapsed = loop.time() - start
        await pilot.pause(0.15)
        assert pane.view.frames_shown <= math.ceil(elapsed / 0.05) + 1
        assert int(pane.view._rgb[0, 0, 0]) == 39  # the last frame is never left unpainted


async def test_streaming_panes_paint_on_the_same_ticks() -> None:
    """Frames of two operators arrive out of step; their panes paint together, so the
    screen redraws both at once instead of once for each."""
    app = MosaicApp([], autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        panes = await mounted_panes(app, pilot, 2)
        painted: dict[str, list[float]] = {"op0": [], "op1": []}
        for pane in panes:
            original = pane._paint

            def spy(f: Frame, pane: FramePane = pane, original=original) -> None:
                painted[pane.operator_id].append(pane._painted_at)  # its tick
                original(f)

            pane._paint = spy  # type: ignore[method-assign]
        for i in range(12):
            for pane in panes:
                pane.frame_arrived(frame(i))
                await asyncio.sleep(0.011)
        await pilot.pause(0.1)
        every = panes[0].frame_every
        ticks = [{t / every for t in times[1:]} for times in painted.values()]
        assert ticks[0] and ticks[1]  # (the first frame of each may go at once)
        assert all(abs(t - round(t)) < 1e-6 for t in ticks[0] | ticks[1])  # one clock's ticks
        ticks = [{round(t) for t in these} for these in ticks]
        assert len(ticks[0] & ticks[1]) >= min(len(ticks[0]), len(ticks[1])) - 1


async def test_a_step_marks_its_operator_without_a_message_or_a_copy() -> None:
    app = MosaicApp([], autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        posted: list[object] = []
        original = app.post_message
        app.post_message = lambda m: (posted.append(m), original(m))[1]  # type: ignore
        copies: list[str] = []
        view = app.drawing.view
        app.drawing.view = lambda op, **kw: (copies.append(op), view(op, **kw))[1]  # type: ignore
        for step in range(30):
            event = StepTaken("a", "run", 0, step, "agent", 0, 0.0, False, False, 0.0)
            app.drawing.on_runner_event(event)
        assert not [m for m in posted if isinstance(m, OperatorChanged)]
        assert copies == [] and list(app.drawing._draw_due) == ["a"]
        await pilot.pause(0.4)
        assert copies.count("a") <= 2  # copied when its batch is drawn, not per step


async def test_a_row_of_the_list_repaints_alone() -> None:
    app = MosaicApp([], autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(OperatorList)
        for op in ("a", "b", "c"):
            table.upsert(op, op, "MiniGrid-Empty-8x8-v0", "running", 0, 0, 0.0)
        await pilot.pause(0.2)
        kept = {key[0].id for key in table._option_render_cache.keys()}
        assert kept == {"a", "b", "c"}
        regions: list[tuple[Region, ...]] = []
        refresh = table.refresh
        table.refresh = lambda *r, **kw: (regions.append(r), refresh(*r, **kw))[1]  # type: ignore
        table.upsert("b", "b", "MiniGrid-Empty-8x8-v0", "running", 0, 7, 0.0)
        assert len(regions) == 1 and len(regions[0]) == 1
        assert (regions[0][0].y, regions[0][0].height) == (3, 3)  # b's three lines only
        assert {key[0].id for key in table._option_render_cache.keys()} == {"a", "c"}
        await pilot.pause(0.2)
        assert "t 7" in str(table.get_option("b").prompt)
        assert table.state_of("b") == "running"


async def test_a_state_change_redraws_the_row_at_once_an_episode_number_later() -> None:
    from mosaic_tui.app.view import OperatorView

    app = MosaicApp([], autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        drawn: list[tuple[str, bool]] = []
        drawing = app.drawing
        drawing._draw_operator = lambda op, view, row=True: drawn.append((view.state, row))  # type: ignore
        table = app.query_one(OperatorList)
        table.upsert("a", "a", "MiniGrid-Empty-8x8-v0", "running", 0, 0, 0.0)
        drawing._listed_at = time.monotonic()  # the list was just drawn: its next turn is later
        app.post_message(OperatorChanged("a", OperatorView("running", 1, 0)))  # next episode
        await pilot.pause(0.1)
        assert drawn == [("running", False)]
        assert "a" in drawing._rows_due  # its row waits for the list's next turn
        app.post_message(OperatorChanged("a", OperatorView("paused", 1, 0)))
        await pilot.pause(0.1)
        assert drawn == [("running", False), ("paused", True)]


async def test_a_pane_keeps_its_lines_until_something_it_shows_changes() -> None:
    app = MosaicApp([], autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        (pane,) = await mounted_panes(app, pilot, 1)
        crop = Region(0, 0, *pane.outer_size)
        first = pane.render_lines(crop)
        assert pane.render_lines(crop) is first  # asked again by every redraw: kept
        pane.border_title = "renamed"
        titled = pane.render_lines(crop)
        assert titled is not first and "renamed" in titled[0].text
        pane.focus()  # a style change (the focused border)
        await pilot.pause(0.1)
        focused = pane.render_lines(crop)
        assert focused is not titled
        assert focused[0].text == titled[0].text  # the same border, in another colour
        status = pane.query_one("#status")
        pane.show_status("ep 1 · t 3 · R 0.00 · 30 steps/s")
        await pilot.pause(0.1)
        assert "30 steps/s" in status.render_lines(Region(0, 0, *status.outer_size))[0].text


async def test_a_frame_waiting_to_paint_does_not_hide_an_error() -> None:
    app = OnePane()
    async with app.run_test(size=(40, 20)) as pilot:
        pane = app.query_one(FramePane)
        pane.frame_every = 0.2
        await pilot.pause(0.1)
        pane.frame_arrived(frame(10))  # painted at once
        await asyncio.sleep(0.01)
        pane.frame_arrived(frame(20))  # waits for its turn
        pane.show_error("the worker died")
        await pilot.pause(0.4)
        assert pane.has_class("-error") and pane.view.frames_shown == 1
        pane.frame_arrived(frame(30))  # a restarted operator's frame
        await pilot.pause(0.4)
        assert not pane.has_class("-error") and pane.view.frames_shown == 2
