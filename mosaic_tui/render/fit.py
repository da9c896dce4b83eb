"""Where a frame lands in a box of half-block cells, and its pixels there, row by row.

The fitted picture is computed one output pixel row at a time from a fixed set of source
rows, so `update()` can recompute just the cell rows whose source rows changed and get
exactly what a full render gives: no filter state crosses rows. Downscaling averages each
output pixel over the source pixels whose centres fall in its span (what Pillow's BOX filter
does, but row-local: Pillow's reducing pass aligns its blocks to the crop it is given).
"""

from __future__ import annotations

import numpy as np

from mosaic_tui.protocol.frames import fit_size


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


def _bins(src: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """First source index and count of source pixels averaged into each of `out` pixels."""
    edges = (2 * np.arange(out + 1) * src + out) // (2 * out)  # round(j * src / out)
    return edges[:-1], np.diff(edges)


class Fit:
    """One frame size in one box: the fitted size, its offset, and its pixel rows on demand."""

    def __init__(self, frame_h: int, frame_w: int, cols: int, rows: int) -> None:
        self.key = (frame_h, frame_w, cols, rows)
        self.frame, self.cols = (frame_h, frame_w), cols
        self.w, self.h = fit_cells(frame_w, frame_h, cols, rows) if cols and rows else (0, 0)
        self.x0 = (cols - self.w) // 2
        self.y0 = 2 * ((rows - (self.h + 1) // 2) // 2)  # start on a cell boundary
        self.k = self.w // frame_w if self.w >= frame_w else 0  # whole upscale factor, or 0
        if not self.k and self.w:
            self._ys, self._yn = _bins(frame_h, self.h)
            self._xs, self._xn = _bins(frame_w, self.w)
            nx = int(self._xn.max())
            # column o of every bin, or the zero column past the end for bins with fewer
            self._x_cols = [np.where(self._xn > o, self._xs + o, frame_w) for o in range(nx)]
            most = int(self._yn.max()) * nx * 255
            acc = np.uint16 if most <= np.iinfo(np.uint16).max else np.uint32
            self._buffers = (
                np.zeros((self.h, frame_w + 1, 3), acc),  # row sums (+ a zero column)
                np.empty((self.h, frame_w, 3), np.uint8),  # source rows taken
                np.empty((self.h, self.w, 3), acc),  # column sums
                np.empty((self.h, self.w, 3), acc),  # one column of each bin
            )
            # src[ry] belongs to output row _row_of[ry]: maps changed source rows to outputs
            self._row_of = np.repeat(np.arange(self.h), self._yn)

    def pixels(self, rgb: np.ndarray, js: np.ndarray) -> np.ndarray:
        """(len(js), w, 3) uint8: output pixel rows `js` (0 <= j < h) of the fitted frame."""
        src = rgb[..., :3]
        if self.k:  # nearest-neighbour upscale by a whole factor
            return src[js // self.k].repeat(self.k, axis=1)
        if self.w == self.frame[1] and self.h == self.frame[0]:
            return src[js]
        return self._average(src, js)

    def _average(self, src: np.ndarray, js: np.ndarray) -> np.ndarray:
        """Box averages of output rows `js`: row sums, then column sums, in reused buffers.

        Rows are taken in order of their bin height so each extra source row adds into a
        prefix (a slice, not a mask); fresh ~100 KB temporaries per frame would cost more in
        page faults than the arithmetic.
        """
        n = len(js)
        order = np.argsort(-self._yn[js], kind="stable")
        starts, counts = self._ys[js][order], self._yn[js][order]
        acc, gather, out, part = (b[:n] for b in self._buffers)
        sums = acc[:, :-1]  # the last column stays 0: bins short of a column add it
        np.take(src, starts, axis=0, out=gather)
        sums[...] = gather
        for o in range(1, int(counts[0]) if n else 0):
            m = int(np.count_nonzero(counts > o))
            np.take(src, starts[:m] + o, axis=0, out=gather[:m])
            sums[:m] += gather[:m]
        np.take(acc, self._x_cols[0], axis=1, out=out)
        for cols in self._x_cols[1:]:
            out += np.take(acc, cols, axis=1, out=part)
        # sum / count rounded half up; float64 is exact here, 1e-9 absorbs 1/count's error
        inv = 1.0 / (counts[:, None, None] * self._xn[None, :, None])
        shrunk = (out * inv + (0.5 + 1e-9)).astype(np.uint8)
        back = np.empty_like(order)
        back[order] = np.arange(n)
        return shrunk[back]

    def touched(self, src_rows: np.ndarray) -> np.ndarray:
        """Sorted cell rows drawn from any of the changed source rows (a bool mask)."""
        ry = np.flatnonzero(src_rows)
        if not self.w or not len(ry):
            return ry[:0]
        if self.k:
            js = (ry[:, None] * self.k + np.arange(self.k)).ravel()
        elif self.h == self.frame[0]:
            js = ry
        else:
            js = self._row_of[ry]
        return np.unique((js + self.y0) // 2)
