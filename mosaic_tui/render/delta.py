"""Which groups of source rows changed since the last frame, in a few whole-frame numpy calls.

`update()` must not cost a full render when a sprite moved, and finding the change is the one
step that has to read the whole frame. So it is one comparison of the two frames as wide
integers and one `reduceat` over the flat result, cut where the groups of source rows that feed one
cell row start (`Fit.group_rows`): no per-row reduction, whose per-row overhead costs as
much as the comparison itself, and no per-row Python.
"""

from __future__ import annotations

import numpy as np


class FrameDelta:
    """A copy of the last frame, and where the next differs from it, by groups of rows."""

    def __init__(self, rgb: np.ndarray, group_rows: np.ndarray) -> None:
        self.shape = rgb.shape
        self.frame = np.array(rgb, order="C")  # ours: the caller may reuse its buffer
        h, row = rgb.shape[0], rgb.shape[1] * rgb.shape[2]
        size = next(s for s in (8, 4, 2, 1) if row % s == 0)  # widest word a row splits into
        self._dtype = np.dtype(f"u{size}")
        self._words = self.frame.reshape(h, -1).view(self._dtype)
        self._differ = np.empty(self._words.shape, dtype=bool)
        self._flat = self._differ.ravel()  # a view
        self._starts = group_rows * self._words.shape[1]  # word offset of each group
        self._rows = [*group_rows.tolist(), h]  # each group's first row, and the end

    def changed(self, rgb: np.ndarray) -> np.ndarray:
        """Sorted indices of the groups with a source row unlike the last frame's; the stored
        frame becomes `rgb` (only the band of changed groups is copied: the rest is equal)."""
        words = np.ascontiguousarray(rgb).reshape(self.shape[0], -1).view(self._dtype)
        np.not_equal(self._words, words, out=self._differ)
        groups = np.logical_or.reduceat(self._flat, self._starts).nonzero()[0]
        if len(groups):
            a, b = self._rows[groups[0]], self._rows[groups[-1] + 1]
            self._words[a:b] = words[a:b]
        return groups
