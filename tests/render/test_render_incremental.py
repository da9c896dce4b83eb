"""`update()` recomputes only the cell rows fed by changed source rows; every row it leaves
must still be exactly what a full render from scratch draws.

Each step of each sequence is rendered twice: incrementally by one long-lived renderer and
by a fresh one. Every row is compared segment by segment (text, colours, control), so a
stale row, a wrong colour field or a shifted run fails. The sequences mix what happens in a
pane: sprite moves (one band of rows, or two apart), identical frames, frames changed in
place, box and frame size changes, colour mode and background changes, RGBA, upscaled and
letterboxed frames, and an odd fitted height (the last cell's lower half is margin).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from textual.strip import Strip

from mosaic_tui.render import HalfBlockRenderer
from mosaic_tui.render.fit import Fit

Step = tuple[np.ndarray, int, int]  # frame, cols, rows


def row_cells(strip: Strip) -> list[tuple]:
    """A row as its exact segments: text, colours (type, number, triplet) and control."""
    return [
        (seg.text, seg.style.color, seg.style.bgcolor, seg.style.bold, seg.control) for seg in strip
    ]


def per_cell(strip: Strip) -> list[tuple]:
    """A row cell by cell: (style, character)."""
    return [(seg.style, ch) for seg in strip for ch in seg.text]


def assert_rows_equal(got: list[Strip], want: list[Strip], where: str) -> None:
    assert len(got) == len(want), where
    for y, (a, b) in enumerate(zip(got, want, strict=True)):
        assert a.cell_length == b.cell_length, f"{where}: row {y} width"
        assert row_cells(a) == row_cells(b), f"{where}: row {y} differs from a full render"


def textured(rng: np.random.Generator, h: int, w: int, channels: int = 3) -> np.ndarray:
    """A gridworld-like ground: a few flat colours in tiles, so rows have runs."""
    tiles = rng.integers(0, 5, (h // 8 + 1, w // 8 + 1), dtype=np.uint8) * 50 + 5
    ground = np.repeat(np.repeat(tiles, 8, axis=0), 8, axis=1)[:h, :w]
    return np.repeat(ground[..., None], channels, axis=2).copy()


def moves(rng: np.random.Generator, base: np.ndarray, n: int, size: int) -> Iterator[np.ndarray]:
    """`base` with one or two sprites moved about (two: changed rows far apart)."""
    h, w = base.shape[:2]
    for i in range(n):
        frame = base.copy()
        for _ in range(1 + i % 2):
            y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
            frame[y : y + size, x : x + size, :3] = rng.integers(0, 256, 3, dtype=np.uint8)
        yield frame


def check(renderer: HalfBlockRenderer, steps: list[Step], colors: str = "truecolor") -> None:
    """Update through `steps`; after each, every row equals a fresh full render, the
    returned rows are exactly those whose drawing changed, untouched rows keep their Strip
    objects, and the spans cover every changed cell."""
    previous: list[Strip] | None = None
    for n, (frame, cols, rows) in enumerate(steps):
        kept = list(renderer.strips)
        changed = renderer.update(frame, cols, rows)
        fresh = HalfBlockRenderer(colors, renderer.background)  # type: ignore[arg-type]
        full = fresh.render(frame, cols, rows)
        assert_rows_equal(renderer.strips, full, f"step {n}")
        if previous is not None and len(previous) == rows and previous[0].cell_length == cols:
            differ = [y for y in range(rows) if row_cells(full[y]) != row_cells(previous[y])]
            assert changed == differ, f"step {n}: changed rows"
            assert sorted(renderer.spans) == changed
            for y in set(range(rows)) - set(changed):
                assert renderer.strips[y] is kept[y], f"step {n}: row {y} rebuilt"
            for y in changed:
                before, after = per_cell(previous[y]), per_cell(full[y])
                covered = {x for a, b in renderer.spans[y] for x in range(a, b)}
                assert {x for x in range(cols) if before[x] != after[x]} <= covered
        previous = full


@pytest.mark.parametrize("colors", ["truecolor", "256"])
@pytest.mark.parametrize(
    ("shape", "box"),
    [
        ((256, 256, 3), (80, 24)),  # downscaled, uneven bins (the benchmark's case)
        ((210, 160, 3), (61, 23)),  # odd box, letterboxed sideways
        ((96, 120, 4), (80, 24)),  # RGBA, averaged
        ((48, 48, 3), (80, 24)),  # drawn 1:1
        ((24, 24, 3), (80, 24)),  # upscaled x2
        ((16, 16, 3), (80, 24)),  # upscaled x3: a source row feeds two cell rows
        ((21, 30, 3), (80, 11)),  # 21 px tall: the last cell's lower half is margin
    ],
)
def test_updates_equal_full_renders(colors: str, shape: tuple[int, int, int], box: tuple[int, int]):
    rng = np.random.default_rng(sum(shape) + box[0])
    base = textured(rng, *shape)
    size = max(2, shape[0] // 8)
    frames = list(moves(rng, base, 10, size))
    same = frames[3].copy()  # identical to the last one: no row changes
    steps = [(f, *box) for f in frames[:4]] + [(same, *box)] + [(f, *box) for f in frames[4:]]
    renderer = HalfBlockRenderer(colors)  # type: ignore[arg-type]
    check(renderer, steps, colors)
    assert renderer.update(steps[-1][0].copy(), *box) == []
    assert renderer.spans == {}


def test_changes_in_place_and_at_the_last_row():
    rng = np.random.default_rng(40)
    frame = textured(rng, 21, 30)  # x2 in 80x11: 42 px, the last cell half margin
    renderer = HalfBlockRenderer()
    renderer.update(frame, 80, 11)
    for y in (20, 0, 10, 20):  # the same array, mutated: the renderer must keep its own copy
        frame[y, 3:9] = rng.integers(0, 256, 3, dtype=np.uint8)
        renderer.update(frame, 80, 11)
        assert_rows_equal(renderer.strips, HalfBlockRenderer().render(frame, 80, 11), f"y {y}")


def test_sizes_modes_and_background_change_midway():
    rng = np.random.default_rng(41)
    big = list(moves(rng, textured(rng, 256, 256), 4, 32))
    small = list(moves(rng, textured(rng, 64, 40), 3, 8))
    renderer = HalfBlockRenderer()
    steps: list[Step] = [(big[0], 80, 24), (big[1], 80, 24), (big[2], 100, 30), (big[3], 100, 30)]
    steps += [(small[0], 100, 30), (small[1], 100, 30), (big[0], 100, 30), (small[2], 40, 12)]
    check(renderer, steps)
    renderer.colors = "256"
    check(renderer, [(small[2], 40, 12), (small[1], 40, 12), (big[1], 40, 12)], "256")
    renderer.background = (9, 9, 9)
    check(renderer, [(big[1], 40, 12), (big[2], 40, 12)], "256")
    renderer.colors = "truecolor"
    check(renderer, [(big[2], 40, 12), (big[3], 80, 24), (big[0], 80, 24)])
    renderer.background = (0, 0, 0)
    check(renderer, [(big[1], 80, 24), (big[1].copy(), 80, 24), (big[2], 80, 24)])


def test_the_comparison_catches_a_stale_row(monkeypatch: pytest.MonkeyPatch):
    """A renderer that forgets the last changed cell row must fail `check`: the test above
    would catch a stale row."""
    cells_of = Fit.cells_of

    def forgetful(self: Fit, groups: np.ndarray) -> slice | np.ndarray:
        cells = cells_of(self, groups)
        if isinstance(cells, slice):
            return slice(cells.start, max(cells.start, cells.stop - 1))
        return cells[:-1]

    monkeypatch.setattr(Fit, "cells_of", forgetful)
    rng = np.random.default_rng(42)
    frames = list(moves(rng, textured(rng, 256, 256), 4, 32))
    with pytest.raises(AssertionError, match="differs from a full render"):
        check(HalfBlockRenderer(), [(f, 80, 24) for f in frames])


@pytest.mark.parametrize("gap", [0, 40])  # next to the sprite (one band) or apart
def test_rows_read_again_but_drawn_the_same_keep_their_strips(gap: int):
    """Source rows that change without changing the picture (alpha, or a step too small
    for the palette) are recomputed but must not be reported, rebuilt or misplaced."""
    rng = np.random.default_rng(43)
    rgba = textured(rng, 96, 120, channels=4)
    for colors in ("truecolor", "256"):
        renderer = HalfBlockRenderer(colors)  # type: ignore[arg-type]
        frames = []
        for k in range(4):
            frame = rgba.copy()
            frame[8 : 16 + k, :, 3] = 17 * k  # alpha only: read again, drawn the same
            frame[16 + gap : 24 + gap, 10 * k : 10 * k + 12, :3] = (200, 30, 30)
            if colors == "256":  # and a change that quantises to the same palette colour
                frame[30 + gap : 34 + gap, :, 0] += np.uint8(k % 2)
            frames.append(frame)
        check(renderer, [(f, 80, 24) for f in frames], colors)
