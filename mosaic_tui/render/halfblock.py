"""RGB frames -> Textual `Strip`s of half-block cells (`▀`: upper pixel fg, lower pixel bg).

A terminal cell is about twice as tall as it is wide, so one cell carries two stacked pixels
and the picture keeps its aspect. Python touches runs, not pixels: `fit` computes the fitted
picture (an exact box average when shrinking) in a few numpy calls, this module packs each
cell's (top, bottom) colours into one integer key, and `strips` turns runs of equal keys
into Segments whose Rich Styles are built in bulk and cached (`styles`).

`update()` keeps the last frame, keys and strips: it recomputes only the cell rows fed by
source rows that changed (the fitted picture is row-local, so this equals a full render) and
rebuilds only rows whose keys changed, because Textual does not diff frames itself: the
widget refreshes just those lines.
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
from textual.strip import Strip

from mosaic_tui.render.fit import Fit, fit_cells
from mosaic_tui.render.palette import quantize_xterm256
from mosaic_tui.render.strips import UPPER_HALF, StripBuilder
from mosaic_tui.render.styles import BOTTOM_BITS, STYLE_CACHE_LIMIT

__all__ = [
    "COLOR_MODES",
    "STYLE_CACHE_LIMIT",
    "UPPER_HALF",
    "ColorMode",
    "HalfBlockRenderer",
    "fit_cells",
]

ColorMode = Literal["truecolor", "256"]
_RGB_WEIGHTS = np.array([1 << 16, 1 << 8, 1], dtype=np.uint64)
_HALVES = np.arange(2)  # a cell's upper and lower pixel row
COLOR_MODES: tuple[str, ...] = get_args(ColorMode)


def _check_frame(rgb: np.ndarray) -> None:
    if rgb.ndim != 3 or rgb.shape[2] not in (3, 4) or rgb.dtype != np.uint8:
        raise ValueError(
            f"frame must be an HxWx3 or HxWx4 uint8 array, got {rgb.dtype} {rgb.shape}"
        )


class HalfBlockRenderer:
    """Turns RGB frames into `rows` Strips of `cols` cells, fitted, centred and padded.

    One instance per pane: it owns the style cache and, for `update()`, the last frame's
    strips. Not thread-safe; call it from the thread that renders.
    """

    strips: list[Strip]

    def __init__(
        self, colors: ColorMode = "truecolor", background: tuple[int, int, int] = (0, 0, 0)
    ) -> None:
        self._colors: ColorMode = _check_mode(colors)
        self._background = _check_rgb(background)
        self._builder = StripBuilder(self._colors)
        self.strips = []
        self.spans: dict[int, list[tuple[int, int]]] = {}  # row -> changed [first, end)s
        self._keys: np.ndarray | None = None  # last update's (rows, cols) pair keys
        self._frame: np.ndarray | None = None  # last update's input, to find changed rows
        self._fit: Fit | None = None  # geometry of the last frame size and box
        self._bg = self._code(self._background)

    @property
    def colors(self) -> ColorMode:
        """Either "truecolor" (24-bit) or "256" (xterm palette); setting it clears the caches."""
        return self._colors

    @colors.setter
    def colors(self, mode: ColorMode) -> None:
        mode = _check_mode(mode)
        if mode != self._colors:
            self._colors = mode
            self._builder = StripBuilder(mode)
            self._reset()

    @property
    def background(self) -> tuple[int, int, int]:
        """Colour of the margin around the fitted frame; setting it redraws every row."""
        return self._background

    @background.setter
    def background(self, rgb: tuple[int, int, int]) -> None:
        rgb = _check_rgb(rgb)
        if rgb != self._background:
            self._background = rgb
            self._reset()

    def _reset(self) -> None:
        self._bg = self._code(self._background)
        self._keys = None
        self._frame = None

    def render(self, rgb: np.ndarray, cols: int, rows: int) -> list[Strip]:
        """Exactly `rows` strips of exactly `cols` cells: the frame fitted and centred,
        the margin filled with the background colour. Stateless apart from the caches."""
        _check_frame(rgb)
        cols, rows = max(cols, 0), max(rows, 0)
        fit = self._fit_for(rgb, cols, rows)
        return self._builder.build(self._cell_keys(fit, rgb, np.arange(rows)))

    def update(self, rgb: np.ndarray, cols: int, rows: int) -> list[int]:
        """Render into `self.strips` and return the indices of rows that changed.

        All rows on the first call or after a size / colour-mode / background change; else
        only rows whose pair of pixel rows differ from last time (the rest keep their
        Strip objects untouched). `self.strips` is updated in place (same list object).
        `self.spans[y]` lists the (first, end) column stretches that changed in row y, so a
        widget can repaint just those: most bytes to a terminal are colour codes, and an
        unchanged cell costs more to resend than a cursor jump over it.

        Only cell rows drawn from changed source rows are recomputed (the fitted picture is
        row-local, `Fit`), so a step that moves one sprite costs about its share of rows.
        """
        _check_frame(rgb)
        cols, rows = max(cols, 0), max(rows, 0)
        fit = self._fit_for(rgb, cols, rows)
        old, last = self._keys, self._frame
        same_size = last is not None and last.shape == rgb.shape
        moved = _changed_rows(last, rgb) if same_size else None  # type: ignore[arg-type]
        if old is None or old.shape != (rows, cols):
            self._keys = self._cell_keys(fit, rgb, np.arange(rows))
            self.strips[:] = self._builder.build(self._keys)
            changed = list(range(rows))
            self.spans = dict.fromkeys(changed, [(0, cols)])
        else:
            cells = fit.touched(moved) if moved is not None else np.arange(rows)
            new = self._cell_keys(fit, rgb, cells)
            diff = new != old[cells]
            hit = diff.any(axis=1)
            if not hit.all():
                cells, new, diff = cells[hit], new[hit], diff[hit]
            changed = cells.tolist()
            old[cells] = new
            for y, strip in zip(changed, self._builder.build(new), strict=True):
                self.strips[y] = strip
            self.spans = _stretches(diff, changed)
        if moved is not None:
            band = np.flatnonzero(moved)  # the rows between are equal already: one memcpy
            if len(band):
                last[band[0] : band[-1] + 1] = rgb[band[0] : band[-1] + 1]  # type: ignore[index]
        else:
            self._frame = rgb.copy()
        return changed

    # -- numpy side ---------------------------------------------------------------------------

    def _fit_for(self, rgb: np.ndarray, cols: int, rows: int) -> Fit:
        fit = self._fit
        if fit is None or fit.key != (rgb.shape[0], rgb.shape[1], cols, rows):
            fit = self._fit = Fit(rgb.shape[0], rgb.shape[1], cols, rows)
        return fit

    def _code(self, rgb: tuple[int, int, int]) -> int:
        return int(self._pack(np.array([[rgb]], dtype=np.uint8))[0, 0])

    def _pack(self, rgb: np.ndarray) -> np.ndarray:
        """(..., 3) uint8 -> (...) colour codes: 0xRRGGBB, or a palette index."""
        if self._colors == "256":
            return quantize_xterm256(rgb).astype(np.uint64)
        return rgb.astype(np.uint64) @ _RGB_WEIGHTS  # one pass, not three strided ones

    def _cell_keys(self, fit: Fit, rgb: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """(len(cells), cols) uint64: each cell's top colour code << 24 | bottom colour code.
        `cells` are sorted cell rows."""
        keys = np.full((len(cells), fit.cols), self._bg << BOTTOM_BITS | self._bg, np.uint64)
        if not fit.w or not len(cells):
            return keys
        top = 2 * cells - fit.y0  # the fitted pixel row in each cell's upper half
        if top[0] >= 0 and top[-1] + 1 < fit.h:  # all inside the picture: no margin rows
            px = self._pack(fit.pixels(rgb, (top[:, None] + _HALVES).ravel()))
            keys[:, fit.x0 : fit.x0 + fit.w] = px[0::2] << BOTTOM_BITS | px[1::2]
            return keys
        canvas = np.full((len(cells), 2, fit.cols), self._bg, dtype=np.uint64)
        js = top[:, None] + _HALVES
        inside = (js >= 0) & (js < fit.h)
        if inside.any():
            canvas[..., fit.x0 : fit.x0 + fit.w][inside] = self._pack(fit.pixels(rgb, js[inside]))
        return (canvas[:, 0] << BOTTOM_BITS) | canvas[:, 1]


def _changed_rows(last: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """Bool per source row: does it differ from last frame's? Rows are compared as wide
    integers (8 bytes at a time where the row length allows), so the temporaries stay small."""
    h = rgb.shape[0]
    a, b = last.reshape(h, -1), np.ascontiguousarray(rgb).reshape(h, -1)
    for size in (8, 4, 2):
        if a.shape[1] % size == 0:
            a, b = a.view(f"u{size}"), b.view(f"u{size}")
            break
    return (a != b).any(axis=1)


def _stretches(
    changed: np.ndarray, rows: list[int], gap: int = 4
) -> dict[int, list[tuple[int, int]]]:
    """Per row, runs of changed cells as [first, end) pairs; runs closer than `gap` joined."""
    spans: dict[int, list[tuple[int, int]]] = {y: [] for y in rows}
    n, cols = changed.shape
    width = cols + gap + 1  # rows apart by more than `gap`: no run joins across rows
    padded = np.zeros((n, width), dtype=bool)
    padded[:, :cols] = changed
    cells = np.flatnonzero(padded)  # row-major: one pass over every row at once
    if not len(cells):
        return spans
    cut = np.flatnonzero(cells[1:] - cells[:-1] > gap).tolist()
    flat = cells.tolist()
    for a, b in zip([0, *(i + 1 for i in cut)], [*cut, len(flat) - 1], strict=True):
        row, first = divmod(flat[a], width)
        spans[rows[row]].append((first, flat[b] - row * width + 1))
    return spans


def _check_mode(mode: str) -> ColorMode:
    if mode not in COLOR_MODES:
        raise ValueError(f"colors must be one of {COLOR_MODES}, got {mode!r}")
    return mode  # type: ignore[return-value]


def _check_rgb(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    r, g, b = (int(c) for c in rgb)
    if not all(0 <= c <= 255 for c in (r, g, b)):
        raise ValueError(f"background must be three 0..255 values, got {rgb!r}")
    return r, g, b
