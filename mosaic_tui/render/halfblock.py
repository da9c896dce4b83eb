"""RGB frames -> Textual `Strip`s of half-block cells (`▀`: upper pixel fg, lower pixel bg).

A terminal cell is about twice as tall as it is wide, so one cell carries two stacked pixels
and the picture keeps its aspect. Python touches runs, not pixels: `fit` computes the fitted
picture (an exact box average when shrinking) in a few numpy calls and casts it straight into
the colour fields of each cell's integer key (top << 24 | bottom), and `strips` turns runs of
equal keys into Segments whose Rich Styles are built in bulk and cached (`styles`).

`update()` keeps the last frame (`delta`), keys and strips: it recomputes only the cell rows
fed by source rows that changed (the fitted picture is row-local, so this equals a full
render) and rebuilds only rows whose keys changed, because Textual does not diff frames
itself: the widget refreshes just those lines. Its fixed cost (the whole-frame comparison,
a dozen numpy calls) is kept small, so a step that moves a sprite costs about its rows.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np
from textual.strip import Strip

from mosaic_tui.render.delta import FrameDelta
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
SPAN_GAP = 4
"""Changed cells closer than this are repainted as one stretch (a cursor jump costs more)."""
_GAP = bytes(SPAN_GAP)  # that many unchanged cells end a stretch
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
        self._delta: FrameDelta | None = None  # last update's input, to find changed rows
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
        self._delta = None

    def render(self, rgb: np.ndarray, cols: int, rows: int) -> list[Strip]:
        """Exactly `rows` strips of exactly `cols` cells: the frame fitted and centred,
        the margin filled with the background colour. Stateless apart from the caches."""
        _check_frame(rgb)
        cols, rows = max(cols, 0), max(rows, 0)
        return self._builder.build(self._all_keys(self._fit_for(rgb, cols, rows), rgb))

    def update(self, rgb: np.ndarray, cols: int, rows: int) -> list[int]:
        """Render into `self.strips` and return the indices of rows that changed.

        All rows on the first call or after a size / colour-mode / background change; else
        only rows whose cells differ from last time (the rest keep their Strip objects
        untouched). `self.strips` is updated in place (same list object). `self.spans[y]`
        lists the (first, end) column stretches that changed in row y, so a widget can
        repaint just those: most bytes to a terminal are colour codes, and an unchanged cell
        costs more to resend than a cursor jump over it.

        Only cell rows fed by changed source rows are recomputed (the fitted picture is
        row-local, `Fit`), so a step that moves one sprite costs about its share of rows.
        """
        _check_frame(rgb)
        cols, rows = max(cols, 0), max(rows, 0)
        fit = self._fit_for(rgb, cols, rows)
        old, delta = self._keys, self._delta
        if old is not None and old.shape == (rows, cols) and fit.w:
            if delta is not None and delta.shape == rgb.shape:  # the usual case: a new step
                groups = delta.changed(rgb)
                if not len(groups):
                    self.spans = {}
                    return []
                cells = fit.cells_of(groups)
                new = old[cells]  # a copy (fancy index), or a view copied next
                if isinstance(cells, slice):
                    new = new.copy()
                    ys: Sequence[int] = range(cells.start, cells.stop)
                else:
                    ys = cells.tolist()
                self._paint(new, fit, rgb, cells)
            else:  # a new frame size in the same box: every row is recomputed, some change
                cells, ys, new = slice(0, rows), range(rows), self._all_keys(fit, rgb)
                self._delta = FrameDelta(rgb, fit.group_rows)
            self.spans, hits = _stretches(new, old[cells], ys)
            old[cells] = new  # rows left alone are equal anyway
            if len(hits) < len(new):
                new = new[hits]
            for y, strip in zip(self.spans, self._builder.build(new), strict=True):
                self.strips[y] = strip
            return list(self.spans)
        self._keys = self._all_keys(fit, rgb)
        self._delta = FrameDelta(rgb, fit.group_rows) if fit.w else None
        self.strips[:] = self._builder.build(self._keys)
        changed = list(range(rows))
        self.spans = dict.fromkeys(changed, [(0, cols)])
        return changed

    # -- numpy side ---------------------------------------------------------------------------

    def _fit_for(self, rgb: np.ndarray, cols: int, rows: int) -> Fit:
        fit = self._fit
        if fit is None or fit.key != (rgb.shape[0], rgb.shape[1], cols, rows):
            fit = self._fit = Fit(rgb.shape[0], rgb.shape[1], cols, rows)
        return fit

    def _code(self, rgb: tuple[int, int, int]) -> int:
        """The colour code of one colour: 0xRRGGBB, or a palette index."""
        if self._colors == "256":
            return int(quantize_xterm256(np.array([[rgb]], dtype=np.uint8))[0, 0])
        r, g, b = rgb
        return r << 16 | g << 8 | b

    def _all_keys(self, fit: Fit, rgb: np.ndarray) -> np.ndarray:
        """(rows, cols) uint64 pair keys of every cell: the background, with the picture."""
        keys = np.full((fit.rows, fit.cols), self._bg << BOTTOM_BITS | self._bg, np.uint64)
        if fit.w:
            first, end = fit.cells
            self._paint(keys[first:end], fit, rgb, slice(first, end))
        return keys

    def _paint(
        self, keys: np.ndarray, fit: Fit, rgb: np.ndarray, cells: slice | np.ndarray
    ) -> None:
        """Write the picture into `keys`, the (n, cols) rows of picture cell rows `cells`
        (a band, or sorted rows), whose other cells are right already.

        Each key is top colour << 24 | bottom colour; the fitted pixels are cast straight into
        the bytes of those fields (a strided view of the keys), so there is no packing pass.
        """
        n = len(keys)
        if isinstance(cells, slice):
            first = 2 * cells.start - fit.y0
            end = min(first + 2 * n, fit.h)
            js: slice | np.ndarray = slice(first, end)
            whole = end - first == 2 * n
        else:
            js = ((2 * cells - fit.y0)[:, None] + _HALVES).ravel()
            whole = js[-1] < fit.h  # else the last row's lower half is below the picture
            js = js if whole else js[:-1]
        palette = self._colors == "256"
        out = _fields(keys, fit.x0, fit.w, palette)
        if whole and not palette:
            fit.write(rgb, js, out)
            return
        px = fit.pixels(rgb, js)
        if palette:
            px = quantize_xterm256(px)
        if whole:
            np.copyto(out, px.reshape(out.shape))
        else:
            np.copyto(out[:-1], px[:-1].reshape(out[:-1].shape))
            out[-1, 0] = px[-1]


# Byte offset of the top colour's first field in a key, and the step to the bottom colour's:
# truecolor keys hold R, G, B of top then bottom in bytes 2..7 (big-endian order), palette
# keys the two indices in bytes 4 and 7. Little-endian machines store them mirrored.
_LITTLE = sys.byteorder == "little"
_FIELDS = {False: (5, -3, -1) if _LITTLE else (2, 3, 1), True: (3, -3, 0) if _LITTLE else (4, 3, 0)}


def _fields(keys: np.ndarray, x0: int, w: int, palette: bool) -> np.ndarray:
    """A writable view of the colour fields of cells x0..x0+w in every row of `keys`:
    (rows, 2, w, 3) channel bytes of the top and bottom colours, or (rows, 2, w) palette
    indices. `keys` must be C-contiguous uint64."""
    first, half, channel = _FIELDS[palette]
    shape, strides = (len(keys), 2, w), (keys.strides[0], half, 8)
    if not palette:
        shape, strides = (*shape, 3), (*strides, channel)
    return np.ndarray(shape, np.uint8, keys, 8 * x0 + first, strides)  # checked to fit


def _stretches(
    new: np.ndarray, old: np.ndarray, ys: Sequence[int]
) -> tuple[dict[int, list[tuple[int, int]]], list[int]]:
    """Rows `ys` whose keys differ, each with its runs of changed cells as [first, end)
    pairs (runs closer than `SPAN_GAP` cells joined), and their indices in `new`.

    Runs are found with `bytes.find` (memchr) in the bytes of the comparison, its rows
    padded apart so that no run joins across rows: Python runs once per run, not per cell.
    """
    n, cols = new.shape
    width = cols + SPAN_GAP
    differ = np.zeros((n, width), dtype=bool)
    np.not_equal(new, old, out=differ[:, :cols])
    data = differ.tobytes()
    find = data.find
    spans: dict[int, list[tuple[int, int]]] = {}
    hits: list[int] = []
    row: list[tuple[int, int]] = []
    start = find(1)
    while start >= 0:  # a run ends where SPAN_GAP unchanged cells follow (or the padding)
        end = find(_GAP, start)
        i = start // width
        if not hits or hits[-1] != i:
            hits.append(i)
            row = spans[ys[i]] = []
        row.append((start - i * width, end - i * width))
        start = find(1, end)
    return spans, hits


def _check_mode(mode: str) -> ColorMode:
    if mode not in COLOR_MODES:
        raise ValueError(f"colors must be one of {COLOR_MODES}, got {mode!r}")
    return mode  # type: ignore[return-value]


def _check_rgb(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    r, g, b = (int(c) for c in rgb)
    if not all(0 <= c <= 255 for c in (r, g, b)):
        raise ValueError(f"background must be three 0..255 values, got {rgb!r}")
    return r, g, b
