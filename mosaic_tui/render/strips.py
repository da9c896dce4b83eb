"""Rows of (top, bottom) colour pair keys -> Textual `Strip`s, one Segment per run.

Python touches runs, not pixels: numpy finds the runs of equal neighbours in all rows at
once, the styles of all runs come from `StyleCache` in one batch, and the Segments are made
by `map` over C constructors. Pixel art repeats whole rows (walls, floor, the row the agent
just left), so rows with few runs are also cached by content: a frame that only moved a
sprite rebuilds nothing it has drawn before. Photographic rows (many runs, never repeated)
skip that cache.
"""

from __future__ import annotations

from itertools import repeat
from typing import Literal

import numpy as np
from rich.segment import Segment
from textual.strip import Strip

from mosaic_tui.render.styles import BOTTOM_BITS, BOTTOM_MASK, StyleCache

UPPER_HALF = "\u2580"  # ▀
ROW_CACHE_LIMIT = 1024
"""Rows kept by content; only rows of at most `cols // 4 + 1` runs are kept."""

_tuple_new = tuple.__new__  # Segment(text, style, None) as tuple.__new__(Segment, ...): from C


class StripBuilder:
    """Builds the Strips of pair-key rows; owns the style cache and the row cache."""

    def __init__(self, colors: Literal["truecolor", "256"]) -> None:
        self.styles = StyleCache(colors)
        self._rows: dict[bytes, Strip] = {}
        self._texts: list[str] = []  # a run's text by index: ▀ * n, then " " * n

    def build(self, keys: np.ndarray) -> list[Strip]:
        """One Strip of `cols` cells per row of a (rows, cols) uint64 key array. Equal rows
        share a Strip (Strips are immutable)."""
        n_rows, cols = keys.shape
        if n_rows == 0 or cols == 0:
            return [Strip([], 0) for _ in range(n_rows)]
        data, width = keys.tobytes(), cols * keys.itemsize
        contents = [data[r * width : (r + 1) * width] for r in range(n_rows)]
        cache = self._rows
        strips = list(map(cache.get, contents))
        todo: dict[bytes, int] = {}  # content -> first row with it, for rows not cached
        for r, strip in enumerate(strips):
            if strip is None:
                todo.setdefault(contents[r], r)
        if not todo:
            return strips  # type: ignore[return-value]
        rows = list(todo.values())
        built, runs = self._make(keys[rows] if len(rows) < n_rows else keys)
        fresh = dict(zip(todo, built, strict=True))
        few = cols // 4 + 1
        keep = {c: s for (c, s), n in zip(fresh.items(), runs, strict=True) if n <= few}
        if keep:
            if len(cache) + len(keep) > ROW_CACHE_LIMIT:
                cache.clear()
            cache.update(keep)
        return [s if s is not None else fresh[c] for c, s in zip(contents, strips, strict=True)]

    def _make(self, keys: np.ndarray) -> tuple[list[Strip], list[int]]:
        """The Strips of distinct rows, and how many runs (Segments) each has."""
        n_rows, cols = keys.shape
        flat = keys.ravel()
        starts = np.empty(flat.size, dtype=bool)
        starts[0] = True
        np.not_equal(flat[1:], flat[:-1], out=starts[1:])
        starts[::cols] = True  # runs never cross rows
        idx = np.flatnonzero(starts)
        run_keys = flat[idx]
        space = (run_keys >> BOTTOM_BITS) == (run_keys & BOTTOM_MASK)  # equal halves: " "
        lengths = np.empty_like(idx)
        lengths[:-1] = idx[1:] - idx[:-1]
        lengths[-1] = flat.size - idx[-1]
        texts = map(self._run_texts(cols).__getitem__, (lengths + space * (cols + 1)).tolist())
        styles = self.styles.lookup(run_keys.tolist())
        segments = list(map(_tuple_new, repeat(Segment), zip(texts, styles, repeat(None))))
        bounds = np.searchsorted(idx, np.arange(n_rows + 1) * cols).tolist()
        pairs = list(zip(bounds, bounds[1:], strict=False))
        return [Strip(segments[a:b], cols) for a, b in pairs], [b - a for a, b in pairs]

    def _run_texts(self, cols: int) -> list[str]:
        if len(self._texts) != 2 * (cols + 1):
            self._texts = [UPPER_HALF * n for n in range(cols + 1)]
            self._texts += [" " * n for n in range(cols + 1)]
        return self._texts
