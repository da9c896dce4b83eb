"""RGB frames -> Textual `Strip`s of half-block cells (`▀`: upper pixel fg, lower pixel bg).

A terminal cell is about twice as tall as it is wide, so one cell carries two stacked pixels
and the picture keeps its aspect. The work is split so Python touches runs, not pixels:
numpy fits the frame to the cells, packs each cell's (top, bottom) colours into one integer
and finds runs of equal neighbours; Python then emits one `Segment` per run. Rich `Style`
objects are the expensive part, so they are cached per colour pair.

`update()` keeps the last strips and rebuilds only rows whose two pixel rows changed,
because Textual does not diff frames itself: the widget refreshes just those lines.
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
from rich.color import Color, ColorType
from rich.color_triplet import ColorTriplet
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from mosaic_tui.protocol.frames import area_downsample, fit_size
from mosaic_tui.render.palette import quantize_xterm256

ColorMode = Literal["truecolor", "256"]
COLOR_MODES: tuple[str, ...] = get_args(ColorMode)

UPPER_HALF = "\u2580"  # ▀
STYLE_CACHE_LIMIT = 4096
"""Colour pairs kept; photographic frames can mint many, pixel art a few dozen."""

_BOTTOM_BITS = 24  # a packed colour (0xRRGGBB or a palette index) fits in 24 bits
_BOTTOM_MASK = (1 << _BOTTOM_BITS) - 1


def fit_cells(frame_w: int, frame_h: int, cols: int, rows: int) -> tuple[int, int]:
    """Pixel size (w, h) the frame is drawn at inside cols x rows cells (1 px wide, 2 px tall).

    Aspect is kept. Too-big frames are area-averaged down (`fit_size`). Smaller frames are
    upscaled by the largest whole factor that fits, nearest neighbour, so pixel art stays
    crisp; a fractional factor would make some source pixels wider than others.
    A box with no cells gives (0, 0).
    """
    if frame_w < 1 or frame_h < 1:
        raise ValueError(f"frame size must be positive, got {frame_w}x{frame_h}")
    if cols < 1 or rows < 1:
        return 0, 0
    box_w, box_h = cols, 2 * rows
    if frame_w <= box_w and frame_h <= box_h:
        k = min(box_w // frame_w, box_h // frame_h)
        return frame_w * k, frame_h * k
    return fit_size(frame_w, frame_h, box_w, box_h)


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
        self._styles: dict[int, tuple[str, Style]] = {}
        self.strips = []
        self.spans: dict[int, list[tuple[int, int]]] = {}  # row -> changed [first, end)s
        self._keys: np.ndarray | None = None  # last update's (rows, cols) pair keys
        self._frame: np.ndarray | None = None  # last update's input, for the no-change path

    @property
    def colors(self) -> ColorMode:
        """Either "truecolor" (24-bit) or "256" (xterm palette); setting it clears the caches."""
        return self._colors

    @colors.setter
    def colors(self, mode: ColorMode) -> None:
        mode = _check_mode(mode)
        if mode != self._colors:
            self._colors = mode
            self._reset()

    @property
    def background(self) -> tuple[int, int, int]:
        """Colour of the margin around the fitted frame; setting it clears the caches."""
        return self._background

    @background.setter
    def background(self, rgb: tuple[int, int, int]) -> None:
        rgb = _check_rgb(rgb)
        if rgb != self._background:
            self._background = rgb
            self._reset()

    def _reset(self) -> None:
        self._styles.clear()
        self._keys = None
        self._frame = None

    def render(self, rgb: np.ndarray, cols: int, rows: int) -> list[Strip]:
        """Exactly `rows` strips of exactly `cols` cells: the frame fitted and centred,
        the margin filled with the background colour. Stateless apart from the style cache."""
        return self._build(self._pair_keys(rgb, cols, rows))

    def update(self, rgb: np.ndarray, cols: int, rows: int) -> list[int]:
        """Render into `self.strips` and return the indices of rows that changed.

        All rows on the first call or after a size / colour-mode / background change; else
        only rows whose pair of pixel rows differ from last time (the rest keep their
        Strip objects untouched). `self.strips` is updated in place (same list object).
        `self.spans[y]` lists the (first, end) column stretches that changed in row y, so a
        widget can repaint just those: most bytes to a terminal are colour codes, and an
        unchanged cell costs more to resend than a cursor jump over it.
        """
        cols, rows = max(cols, 0), max(rows, 0)
        _check_frame(rgb)
        same_box = self._keys is not None and self._keys.shape == (rows, cols)
        last = self._frame
        if same_box and last is not None and last.shape == rgb.shape and np.array_equal(last, rgb):
            self.spans = {}
            return []  # a paused env re-sends the same frame: skip even the downsample
        keys = self._pair_keys(rgb, cols, rows)
        if not same_box or self._keys is None:
            self.strips[:] = self._build(keys)
            changed = list(range(rows))
            self.spans = dict.fromkeys(changed, [(0, cols)])
        else:
            diff = keys != self._keys
            idx = np.flatnonzero(diff.any(axis=1))
            for i, strip in zip(idx.tolist(), self._build(keys[idx]), strict=True):
                self.strips[i] = strip
            changed = idx.tolist()
            self.spans = {y: _stretches(diff[y]) for y in changed}
        self._keys = keys
        self._frame = rgb.copy()
        return changed

    # -- numpy side ---------------------------------------------------------------------------

    def _pack(self, rgb: np.ndarray) -> np.ndarray:
        """(h, w, 3) uint8 -> (h, w) uint64 colour codes: 0xRRGGBB, or a palette index."""
        if self._colors == "256":
            return quantize_xterm256(rgb).astype(np.uint64)
        px = rgb.astype(np.uint64)
        return (px[..., 0] << 16) | (px[..., 1] << 8) | px[..., 2]

    def _pair_keys(self, rgb: np.ndarray, cols: int, rows: int) -> np.ndarray:
        """(rows, cols) uint64: each cell's top colour code << 24 | bottom colour code."""
        _check_frame(rgb)
        cols, rows = max(cols, 0), max(rows, 0)
        bg = int(self._pack(np.array([[self._background]], dtype=np.uint8))[0, 0])
        canvas = np.full((2 * rows, cols), bg, dtype=np.uint64)
        if rgb.shape[0] and rgb.shape[1]:
            h, w = rgb.shape[:2]
            fw, fh = fit_cells(w, h, cols, rows)
            if fw and fh:
                if fw > w:  # whole-factor nearest-neighbour upscale
                    k = fw // w
                    img = rgb[..., :3].repeat(k, axis=0).repeat(k, axis=1)
                else:
                    img = area_downsample(rgb, fw, fh)
                x0 = (cols - fw) // 2
                y0 = 2 * ((rows - (fh + 1) // 2) // 2)  # start on a cell boundary
                canvas[y0 : y0 + fh, x0 : x0 + fw] = self._pack(img)
        return (canvas[0::2] << _BOTTOM_BITS) | canvas[1::2]

    # -- Python side --------------------------------------------------------------------------

    def _build(self, keys: np.ndarray) -> list[Strip]:
        """One Strip per row of pair keys, one Segment per run of equal neighbours."""
        n_rows, cols = keys.shape
        if n_rows == 0 or cols == 0:
            return [Strip([], 0) for _ in range(n_rows)]
        flat = keys.ravel()
        starts = np.empty(flat.size, dtype=bool)
        starts[0] = True
        np.not_equal(flat[1:], flat[:-1], out=starts[1:])
        starts[::cols] = True  # runs never cross rows
        idx = np.flatnonzero(starts)
        lengths = np.diff(idx, append=flat.size).tolist()
        run_keys = flat[idx]
        bounds = np.searchsorted(idx, np.arange(n_rows + 1) * cols).tolist()

        styles = self._styles
        pairs = np.unique(run_keys).tolist()
        missing = [k for k in pairs if k not in styles]
        if len(styles) + len(missing) > STYLE_CACHE_LIMIT:
            styles.clear()  # a noisy frame may need more than the limit: it still gets them all
            missing = pairs
        colors: dict[int, Color] = {}  # a frame's pairs share few colours: build each once
        for k in missing:
            styles[k] = self._make_style(k, colors)

        looks = [styles[k] for k in run_keys.tolist()]
        rows_bytes = keys.tobytes()
        width = cols * keys.itemsize
        seen: dict[bytes, Strip] = {}  # identical rows (common in gridworlds) share a Strip
        strips = []
        for r in range(n_rows):
            row = rows_bytes[r * width : (r + 1) * width]
            strip = seen.get(row)
            if strip is None:
                a, b = bounds[r], bounds[r + 1]
                segments = [
                    Segment(ch * n, st)
                    for (ch, st), n in zip(looks[a:b], lengths[a:b], strict=True)
                ]
                strip = seen[row] = Strip(segments, cols)
            strips.append(strip)
        return strips

    def _make_style(self, key: int, colors: dict[int, Color]) -> tuple[str, Style]:
        """The character and Style for a (top, bottom) pair; equal halves need only a bg."""
        top, bottom = key >> _BOTTOM_BITS, key & _BOTTOM_MASK
        make = Color.from_ansi if self._colors == "256" else _truecolor
        for code in (top, bottom):
            if code not in colors:
                colors[code] = make(code)
        top_c, bottom_c = colors[top], colors[bottom]
        if top == bottom:
            return " ", Style.from_color(bgcolor=bottom_c)
        return UPPER_HALF, Style.from_color(top_c, bottom_c)


def _truecolor(code: int) -> Color:
    """`Color.from_rgb` for a 0xRRGGBB code, built directly: the same value, 4x cheaper."""
    r, g, b = code >> 16, (code >> 8) & 0xFF, code & 0xFF
    return Color(f"#{code:06x}", ColorType.TRUECOLOR, triplet=ColorTriplet(r, g, b))


def _stretches(changed: np.ndarray, gap: int = 4) -> list[tuple[int, int]]:
    """Runs of changed cells as [first, end) pairs; runs closer than `gap` are joined."""
    cells = np.flatnonzero(changed)
    if len(cells) == 0:
        return []
    breaks = np.flatnonzero(np.diff(cells) > gap)
    starts = np.concatenate(([cells[0]], cells[breaks + 1]))
    ends = np.concatenate((cells[breaks], [cells[-1]])) + 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _check_mode(mode: str) -> ColorMode:
    if mode not in COLOR_MODES:
        raise ValueError(f"colors must be one of {COLOR_MODES}, got {mode!r}")
    return mode  # type: ignore[return-value]


def _check_rgb(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    r, g, b = (int(c) for c in rgb)
    if not all(0 <= c <= 255 for c in (r, g, b)):
        raise ValueError(f"background must be three 0..255 values, got {rgb!r}")
    return r, g, b
