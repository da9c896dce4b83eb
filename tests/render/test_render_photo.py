"""Photographic frames (a new colour pair in every cell) and incremental updates.

The fast paths (bulk-built styles, the row-local box average, the row cache, rebuilding only
touched rows) must give exactly what a straightforward renderer would: these tests compare
against brute-force references and against fresh renderers.
"""

from __future__ import annotations

import numpy as np
import pytest
from rich.color import Color
from rich.style import Style
from textual.strip import Strip

from mosaic_tui.render import HalfBlockRenderer, quantize_xterm256
from mosaic_tui.render.fit import Fit, fit_cells
from mosaic_tui.render.styles import (
    CELL_FIELDS,
    STYLE_CACHE_LIMIT,
    CellStyle,
    cell_style,
    palette_colors,
    style_maker,
    truecolors,
)


def box_average(rgb: np.ndarray, w: int, h: int) -> np.ndarray:
    """Reference: each output pixel is the mean (rounded half up) of the source pixels whose
    centres fall in its span, one pixel at a time."""
    src_h, src_w = rgb.shape[:2]
    ye = [(2 * j * src_h + h) // (2 * h) for j in range(h + 1)]
    xe = [(2 * i * src_w + w) // (2 * w) for i in range(w + 1)]
    out = np.zeros((h, w, 3), np.uint8)
    for j in range(h):
        for i in range(w):
            block = rgb[ye[j] : ye[j + 1], xe[i] : xe[i + 1], :3].astype(np.int64)
            n = block.shape[0] * block.shape[1]
            out[j, i] = (2 * block.sum(axis=(0, 1)) + n) // (2 * n)
    return out


def cells(strips: list[Strip]) -> list[list[tuple[str, Color | None, Color | None]]]:
    """Every cell as (character, foreground, background): runs split back into cells."""
    return [
        [(ch, seg.style.color, seg.style.bgcolor) for seg in strip for ch in seg.text]
        for strip in strips
    ]


def expected_cells(picture: np.ndarray, cols: int, rows: int, colour) -> list[list[tuple]]:
    """What a half-block rendering of `picture` (already fitted) must show, cell by cell."""
    h, w = picture.shape[:2]
    x0, y0 = (cols - w) // 2, 2 * ((rows - (h + 1) // 2) // 2)
    black = colour(0, 0, 0)
    grid = [[(" ", None, black)] * cols for _ in range(rows)]
    for y in range(rows):
        for x in range(x0, x0 + w):
            top_y, bottom_y = 2 * y - y0, 2 * y + 1 - y0
            if not 0 <= top_y < h:
                continue
            top = colour(*picture[top_y, x - x0])
            bottom = colour(*picture[bottom_y, x - x0]) if bottom_y < h else black
            grid[y][x] = (" ", None, bottom) if top == bottom else ("▀", top, bottom)
    return grid


def rgb_colour(r: int, g: int, b: int) -> Color:
    return Color.from_rgb(int(r), int(g), int(b))


def xterm_colour(r: int, g: int, b: int) -> Color:
    px = np.array([[[r, g, b]]], np.uint8)
    return Color.from_ansi(int(quantize_xterm256(px)[0, 0]))


@pytest.mark.parametrize(("size", "box"), [((256, 256), (80, 24)), ((210, 160), (61, 23))])
def test_photographic_cells_are_the_averaged_pixels(size: tuple[int, int], box: tuple[int, int]):
    rng = np.random.default_rng(21)
    frame = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
    w, h = fit_cells(size[1], size[0], *box)
    picture = box_average(frame, w, h)
    renderer = HalfBlockRenderer()
    for _ in range(2):  # a cold and a warm cache give the same
        assert cells(renderer.render(frame, *box)) == expected_cells(picture, *box, rgb_colour)


def test_photographic_cells_in_256_colours():
    rng = np.random.default_rng(22)
    frame = rng.integers(0, 256, (120, 100, 3), dtype=np.uint8)
    w, h = fit_cells(100, 120, 50, 20)
    picture = box_average(frame, w, h)
    got = cells(HalfBlockRenderer("256").render(frame, 50, 20))
    assert got == expected_cells(picture, 50, 20, xterm_colour)


def test_bulk_colours_equal_rich_ones():
    rng = np.random.default_rng(23)
    codes = np.concatenate(([0, 0xFFFFFF, 0x0000FF, 0xFF0000], rng.integers(0, 1 << 24, 500)))
    got = truecolors(codes.astype(np.uint64))
    assert got == [Color.from_rgb(c >> 16, (c >> 8) & 0xFF, c & 0xFF) for c in codes.tolist()]
    assert [c.name for c in got[:3]] == ["#000000", "#ffffff", "#0000ff"]
    assert palette_colors(np.array([16, 196, 255])) == [Color.from_ansi(i) for i in (16, 196, 255)]


@pytest.mark.parametrize("fg", [Color.from_rgb(250, 10, 3), None])
def test_a_cell_style_is_the_style_rich_would_make(fg):
    bg = Color.from_rgb(1, 2, 3)
    ours, rich = cell_style(fg, bg), Style.from_color(fg, bg)
    assert isinstance(ours, CellStyle)
    for field in CELL_FIELDS:  # every field Rich reads, equal (none left unset)
        assert getattr(ours, field) == getattr(rich, field), field
    assert ours == rich and hash(ours) == hash(rich)
    for system in ("truecolor", "256", "standard"):  # Rich's own downgrades still apply
        assert ours.render("x", color_system=system) == rich.render("x", color_system=system)
    combined = ours + Style(bold=True)
    assert type(combined) is Style and combined == rich + Style(bold=True)
    assert type(ours.copy()) is Style and ours.copy() == rich


def test_a_rich_with_other_style_fields_gets_its_own_constructor():
    assert frozenset(Style.__slots__) == CELL_FIELDS  # the Rich installed here: the fast path
    assert style_maker(CELL_FIELDS) is cell_style
    assert style_maker(CELL_FIELDS | {"_new_field"}) == Style.from_color


def test_a_stream_of_new_colours_keeps_the_style_cache_bounded():
    rng = np.random.default_rng(24)
    renderer = HalfBlockRenderer()
    for _ in range(8):  # ~3,800 new pairs a frame
        frame = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
        assert renderer.render(frame, 160, 60) == HalfBlockRenderer().render(frame, 160, 60)
        assert len(renderer._builder.styles) <= STYLE_CACHE_LIMIT


def test_equal_rows_share_a_strip_and_cached_rows_render_the_same():
    frame = np.zeros((16, 16, 3), np.uint8)
    frame[4:8, 4:8] = (200, 30, 30)
    renderer = HalfBlockRenderer()
    first = renderer.render(frame, 32, 8)
    assert first[0] is first[7]  # blank rows: one Strip
    frame[4:8, 4:8] = (30, 200, 30)
    renderer.render(frame, 32, 8)
    frame[4:8, 4:8] = (200, 30, 30)
    again = renderer.render(frame, 32, 8)
    assert again == first == HalfBlockRenderer().render(frame, 32, 8)


# -- the row-local fitted picture ---------------------------------------------------------------


def test_fit_rows_are_the_box_average_and_independent():
    rng = np.random.default_rng(25)
    for _ in range(40):
        fh, fw = (int(v) for v in rng.integers(1, 260, 2))
        cols, rows = int(rng.integers(1, 90)), int(rng.integers(1, 30))
        frame = rng.integers(0, 256, (fh, fw, int(rng.choice([3, 4]))), dtype=np.uint8)
        fit = Fit(fh, fw, cols, rows)
        if not fit.w:
            continue
        every = fit.pixels(frame, np.arange(fit.h))
        if fit.w < fw:  # downscaled
            assert np.array_equal(every, box_average(frame, fit.w, fit.h))
        some = np.sort(rng.choice(fit.h, min(fit.h, 5), replace=False))
        assert np.array_equal(fit.pixels(frame, some), every[some])


def test_fit_averages_rows_when_only_the_height_shrinks():
    rng = np.random.default_rng(30)
    frame = rng.integers(0, 256, (21, 10, 3), dtype=np.uint8)
    fit = Fit(21, 10, 10, 10)  # 20 px tall: the width rounds back to the frame's 10
    assert (fit.w, fit.h) == (10, 20)
    assert np.array_equal(fit.pixels(frame, np.arange(20)), box_average(frame, 10, 20))


def test_fit_rounds_half_up_exactly():
    frame = np.zeros((2, 4, 3), np.uint8)
    frame[:, :, 0] = [0, 1, 0, 1]  # red: each 2x2 block sums to 2, a mean of 0.5 -> 1
    frame[:, :, 1] = [[254, 255, 255, 255], [255, 255, 255, 255]]  # 1019/4 = 254.75 -> 255
    (row,) = Fit(2, 4, 2, 1).pixels(frame, np.array([0]))
    assert row[:, 0].tolist() == [1, 1] and row[:, 1].tolist() == [255, 255]


# -- update() against full renders --------------------------------------------------------------


def sprite_frames(n: int, seed: int) -> list[np.ndarray]:
    """A textured background with a sprite moving about: what a gridworld step changes."""
    rng = np.random.default_rng(seed)
    ground = rng.integers(0, 4, (200, 200, 1), dtype=np.uint8) * 60 + 20
    ground = np.repeat(ground, 3, axis=2)
    frames = []
    for _ in range(n):
        frame = ground.copy()
        y, x = (int(v) for v in rng.integers(0, 180, 2))
        frame[y : y + 20, x : x + 20] = rng.integers(0, 256, 3, dtype=np.uint8)
        frames.append(frame)
    return frames


@pytest.mark.parametrize("colors", ["truecolor", "256"])
@pytest.mark.parametrize("box", [(80, 24), (61, 23), (200, 60)])  # uneven bins, odd sizes
def test_update_equals_a_full_render(colors: str, box: tuple[int, int]):
    renderer = HalfBlockRenderer(colors)  # type: ignore[arg-type]
    previous: list[Strip] = []
    for frame in sprite_frames(12, seed=26):
        kept = list(renderer.strips)
        changed = renderer.update(frame, *box)
        full = HalfBlockRenderer(colors).render(frame, *box)  # type: ignore[arg-type]
        assert renderer.strips == full
        if previous:
            assert changed == [y for y in range(box[1]) if full[y] != previous[y]]
            for y in set(range(box[1])) - set(changed):
                assert renderer.strips[y] is kept[y]  # untouched rows keep their Strip
        previous = full


def test_update_of_noise_and_upscaled_frames_equals_a_full_render():
    rng = np.random.default_rng(27)
    shapes = [(256, 256, 3), (10, 12, 3), (24, 40, 4), (100, 300, 3), (27, 80, 3)]
    boxes = [(80, 24), (80, 24), (40, 12), (80, 24), (80, 24)]  # down, up, RGBA, letterboxed
    for shape, box in zip(shapes, boxes, strict=True):
        renderer = HalfBlockRenderer()
        frame = rng.integers(0, 256, shape, dtype=np.uint8)
        renderer.update(frame, *box)
        for _ in range(4):
            frame = frame.copy()
            y = int(rng.integers(0, shape[0]))
            frame[y, : shape[1] // 2] = rng.integers(0, 256, (shape[1] // 2, shape[2]))
            renderer.update(frame, *box)
            assert renderer.strips == HalfBlockRenderer().render(frame, *box)


def test_update_after_the_frame_size_changes_in_the_same_box():
    rng = np.random.default_rng(28)
    renderer = HalfBlockRenderer()
    renderer.update(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8), 40, 20)
    frame = rng.integers(0, 256, (50, 80, 3), dtype=np.uint8)
    renderer.update(frame, 40, 20)
    assert renderer.strips == HalfBlockRenderer().render(frame, 40, 20)


def test_spans_cover_exactly_the_changed_cells():
    renderer = HalfBlockRenderer()
    frames = sprite_frames(6, seed=29)
    renderer.update(frames[0], 80, 24)
    for frame in frames[1:]:
        before = cells(renderer.strips)
        changed = renderer.update(frame, 80, 24)
        after = cells(renderer.strips)
        assert sorted(renderer.spans) == changed
        for y in changed:
            differ = {x for x in range(80) if before[y][x] != after[y][x]}
            spans = renderer.spans[y]
            covered = {x for a, b in spans for x in range(a, b)}
            assert differ <= covered
            for a, b in spans:  # each stretch starts and ends on a changed cell
                assert a in differ and b - 1 in differ
