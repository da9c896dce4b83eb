"""Half-block rendering: fitting, cell colours, run merging, change tracking, 256 colours."""

from __future__ import annotations

import numpy as np
import pytest
from rich.color import Color, ColorType
from rich.color_triplet import ColorTriplet
from rich.segment import Segment
from textual.strip import Strip

from mosaic_tui.render import HalfBlockRenderer, fit_cells, quantize_xterm256, xterm_rgb

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)
GREY9 = (9, 9, 9)


def image(rows: list[list[tuple[int, int, int]]]) -> np.ndarray:
    return np.array(rows, dtype=np.uint8)


def segs(strip: Strip) -> list[Segment]:
    return list(strip)


def trip(color: Color | None) -> tuple[int, int, int] | None:
    return None if color is None else tuple(color.get_truecolor())


# -- fit_cells ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "cells", "expected"),
    [
        ((256, 256), (80, 24), (48, 48)),  # height-bound: 48 px = 24 cells
        ((400, 200), (80, 24), (80, 40)),  # width-bound, 2:1 kept
        ((8, 8), (80, 24), (48, 48)),  # x6, the largest whole factor
        ((10, 10), (80, 24), (40, 40)),  # x4 (x4.8 would be fractional)
        ((30, 30), (80, 24), (30, 30)),  # 48/30 = 1.6: not upscaled at all
        ((1, 1), (1, 1), (1, 1)),
        ((256, 256), (1, 1), (1, 1)),
        ((1, 1), (80, 24), (48, 48)),
    ],
)
def test_fit_cells(frame: tuple[int, int], cells: tuple[int, int], expected: tuple[int, int]):
    assert fit_cells(*frame, *cells) == expected


def test_fit_cells_stays_in_box_and_keeps_aspect():
    rng = np.random.default_rng(1)
    for _ in range(300):
        fw, fh = (int(v) for v in rng.integers(1, 400, 2))
        cols, rows = int(rng.integers(1, 150)), int(rng.integers(1, 60))
        w, h = fit_cells(fw, fh, cols, rows)
        assert 1 <= w <= cols and 1 <= h <= 2 * rows
        if w > fw:  # upscaled: by one whole factor on both axes
            assert w % fw == 0 and h == fh * (w // fw)
        else:
            assert abs(w / h - fw / fh) <= fw / fh * (1 / h + 1 / w) + 1e-9


def test_fit_cells_degenerate_box_and_frame():
    assert fit_cells(10, 10, 0, 5) == (0, 0)
    with pytest.raises(ValueError):
        fit_cells(0, 10, 5, 5)


# -- shape of the output ----------------------------------------------------------------------


@pytest.mark.parametrize("colors", ["truecolor", "256"])
def test_exact_rows_and_cols_for_random_sizes(colors: str):
    rng = np.random.default_rng(7)
    renderer = HalfBlockRenderer(colors)  # type: ignore[arg-type]
    for _ in range(60):
        h, w = (int(v) for v in rng.integers(1, 300, 2))
        cols, rows = int(rng.integers(1, 130)), int(rng.integers(1, 55))
        frame = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        strips = renderer.render(frame, cols, rows)
        assert len(strips) == rows
        for strip in strips:
            assert strip.cell_length == cols
            assert sum(len(s.text) for s in strip) == cols  # the declared length is true


def test_empty_box():
    frame = np.zeros((4, 4, 3), np.uint8)
    assert HalfBlockRenderer().render(frame, 5, 0) == []
    strips = HalfBlockRenderer().render(frame, 0, 3)
    assert len(strips) == 3 and all(s.cell_length == 0 for s in strips)


def test_rejects_non_images():
    with pytest.raises(ValueError):
        HalfBlockRenderer().render(np.zeros((4, 4), np.uint8), 4, 2)
    with pytest.raises(ValueError):
        HalfBlockRenderer().render(np.zeros((4, 4, 3), np.float32), 4, 2)
    with pytest.raises(ValueError):
        HalfBlockRenderer("16")  # type: ignore[arg-type]


# -- cell contents ----------------------------------------------------------------------------


def test_checkerboard_cells():
    frame = image([[RED, GREEN], [GREEN, RED]])
    (strip,) = HalfBlockRenderer().render(frame, 2, 1)
    a, b = segs(strip)
    assert (a.text, b.text) == ("▀", "▀")
    assert a.style.color.triplet == ColorTriplet(*RED)
    assert a.style.bgcolor.triplet == ColorTriplet(*GREEN)
    assert b.style.color.triplet == ColorTriplet(*GREEN)
    assert b.style.bgcolor.triplet == ColorTriplet(*RED)
    assert a.style.color == Color.from_rgb(*RED)  # same value Rich itself would build


def test_top_equal_bottom_is_a_space_with_background_only():
    frame = image([[BLUE, RED], [BLUE, GREEN]])
    (strip,) = HalfBlockRenderer().render(frame, 2, 1)
    first, second = segs(strip)
    assert first.text == " " and first.style.color is None
    assert first.style.bgcolor.triplet == ColorTriplet(*BLUE)
    assert second.text == "▀"


def test_flat_image_is_one_segment_per_row():
    frame = np.full((8, 6, 3), 77, np.uint8)
    strips = HalfBlockRenderer().render(frame, 6, 4)
    for strip in strips:
        (only,) = segs(strip)
        assert only.text == " " * 6 and trip(only.style.bgcolor) == (77, 77, 77)


def test_runs_merge_and_margins_are_background():
    row = [RED, RED, GREEN, GREEN, BLUE, BLUE]
    frame = image([row, row])
    (strip,) = HalfBlockRenderer(background=GREY9).render(frame, 10, 1)
    got = [(s.text, trip(s.style.bgcolor)) for s in strip]
    assert got == [("  ", GREY9), ("  ", RED), ("  ", GREEN), ("  ", BLUE), ("  ", GREY9)]


def test_vertical_centring_on_cell_boundaries():
    frame = np.full((10, 10, 3), 200, np.uint8)  # 5 cells tall in a 7-row box: 1 above, 1 below
    strips = HalfBlockRenderer(background=GREY9).render(frame, 20, 7)
    assert [trip(segs(s)[0].style.bgcolor) for s in strips] == [GREY9] * 7
    assert [len(segs(s)) for s in strips] == [1, 3, 3, 3, 3, 3, 1]
    assert [s.text for s in segs(strips[1])] == [" " * 5, " " * 10, " " * 5]


def test_frame_starts_on_a_cell_boundary():
    # 6 px = 3 cells in a 4-row box: rows 0..2 are whole frame cells, the spare row is below,
    # rather than a 1 px shift that would split every cell row of the frame
    frame = image([[RED], [RED], [GREEN], [GREEN], [BLUE], [BLUE]])
    strips = HalfBlockRenderer(background=GREY9).render(frame, 1, 4)
    got = [(segs(s)[0].text, trip(segs(s)[0].style.bgcolor)) for s in strips]
    assert got == [(" ", RED), (" ", GREEN), (" ", BLUE), (" ", GREY9)]


def test_integer_upscale_is_nearest_neighbour():
    frame = image([[RED, BLUE]])  # 2x1 px into 8x2 cells: x4 -> 8x4 px
    strips = HalfBlockRenderer().render(frame, 8, 2)
    for strip in strips:
        assert [(s.text, trip(s.style.bgcolor)) for s in strip] == [("    ", RED), ("    ", BLUE)]


def test_odd_height_last_lower_half_is_background():
    frame = image([[RED] * 3, [GREEN] * 3, [BLUE] * 3])
    strips = HalfBlockRenderer(background=GREY9).render(frame, 3, 2)
    (top,) = segs(strips[0])
    (last,) = segs(strips[1])
    assert trip(top.style.color) == RED and trip(top.style.bgcolor) == GREEN
    assert last.text == "▀▀▀" and trip(last.style.color) == BLUE
    assert trip(last.style.bgcolor) == GREY9


def test_rgba_drops_alpha():
    rng = np.random.default_rng(3)
    rgba = rng.integers(0, 256, (37, 53, 4), dtype=np.uint8)
    rgb = np.ascontiguousarray(rgba[..., :3])
    for cols, rows in ((80, 24), (200, 60)):  # downscaled and upscaled
        assert HalfBlockRenderer().render(rgba, cols, rows) == HalfBlockRenderer().render(
            rgb, cols, rows
        )


def test_style_cache_is_bounded_and_survives_clearing():
    from mosaic_tui.render.halfblock import STYLE_CACHE_LIMIT

    rng = np.random.default_rng(5)
    renderer = HalfBlockRenderer()
    for _ in range(5):  # ~1,800 new pairs a frame: the limit is crossed on the third
        frame = rng.integers(0, 256, (60, 60, 3), dtype=np.uint8)
        assert renderer.render(frame, 60, 30) == HalfBlockRenderer().render(frame, 60, 30)
        assert 0 < len(renderer._builder.styles) <= STYLE_CACHE_LIMIT


# -- update() -----------------------------------------------------------------------------------


def test_update_reports_only_changed_rows():
    rng = np.random.default_rng(11)
    frame = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    r = HalfBlockRenderer()
    strips = r.strips
    assert r.update(frame, 8, 4) == [0, 1, 2, 3]  # first call: everything
    assert r.strips is strips and r.strips == r.render(frame, 8, 4)
    before = list(r.strips)
    assert r.update(frame.copy(), 8, 4) == []
    frame[5, 3] = 255 - frame[5, 3]  # pixel row 5 -> cell row 2; mutated in place
    assert r.update(frame, 8, 4) == [2]
    assert [a is b for a, b in zip(before, r.strips, strict=True)] == [True, True, False, True]
    assert r.strips == r.render(frame, 8, 4)


def test_update_when_downscaled_change_stays_local():
    frame = np.zeros((256, 256, 3), np.uint8)
    r = HalfBlockRenderer()
    r.update(frame, 80, 24)
    frame[100:104, 100:104] = 255  # 256 -> 48 px: pixel rows 18..19 -> cell row 9
    changed = r.update(frame, 80, 24)
    assert changed == [9]
    assert r.strips == r.render(frame, 80, 24)


def test_update_everything_after_resize_or_mode_change():
    frame = np.random.default_rng(2).integers(0, 256, (20, 20, 3), dtype=np.uint8)
    r = HalfBlockRenderer()
    r.update(frame, 20, 10)
    assert r.update(frame, 30, 10) == list(range(10))
    assert r.update(frame, 30, 12) == list(range(12))
    assert len(r.strips) == 12
    r.colors = "256"
    assert r.update(frame, 30, 12) == list(range(12))
    r.background = GREY9
    assert r.update(frame, 30, 12) == list(range(12))
    assert r.update(frame, 30, 12) == []


# -- 256 colours ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rgb", "index"),
    [
        ((255, 0, 0), 196),
        ((0, 0, 0), 16),
        ((255, 255, 255), 231),
        ((128, 128, 128), 244),  # grey ramp: 8 + 10 * 12
        ((95, 135, 175), 67),  # 16 + 36*1 + 6*2 + 3
        ((250, 3, 6), 196),
    ],
)
def test_256_pure_colours(rgb: tuple[int, int, int], index: int):
    frame = np.array([[rgb, rgb], [rgb, rgb]], np.uint8)
    (strip,) = HalfBlockRenderer("256").render(frame, 2, 1)
    (seg,) = segs(strip)
    assert seg.style.bgcolor == Color.from_ansi(index)


def test_quantize_matches_brute_force_nearest():
    palette = np.array([xterm_rgb(i) for i in range(16, 256)], np.int32)
    rng = np.random.default_rng(9)
    px = rng.integers(0, 256, (3000, 3), dtype=np.uint8)
    got = quantize_xterm256(px).astype(np.int32)
    dist = ((px[:, None, :].astype(np.int32) - palette[None]) ** 2).sum(-1)
    best = dist.min(axis=1)
    assert np.array_equal(dist[np.arange(len(px)), got - 16], best)  # ties may pick either


def test_256_never_emits_truecolor_and_merges_after_quantising():
    rng = np.random.default_rng(4)
    frame = rng.integers(0, 256, (60, 90, 3), dtype=np.uint8)
    for strip in HalfBlockRenderer("256").render(frame, 90, 30):
        for seg in strip:
            for color in (seg.style.color, seg.style.bgcolor):
                assert color is None or color.type == ColorType.EIGHT_BIT
    near = image([[(250, 0, 0), (255, 5, 5), (240, 10, 0)]] * 2)  # all quantise to 196
    (strip,) = HalfBlockRenderer("256").render(near, 3, 1)
    assert len(segs(strip)) == 1
    (strip,) = HalfBlockRenderer("truecolor").render(near, 3, 1)
    assert len(segs(strip)) == 3
