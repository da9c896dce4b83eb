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
        self.frame, self.cols, self.rows = (frame_h, frame_w), cols, rows
        self.w, self.h = fit_cells(frame_w, frame_h, cols, rows) if cols and rows else (0, 0)
        self.x0 = (cols - self.w) // 2
        self.y0 = 2 * ((rows - (self.h + 1) // 2) // 2)  # start on a cell boundary
        self.k = self.w // frame_w if self.w > frame_w else 0  # whole upscale factor, or 0
        if not self.k and self.w:
            ys, self._yn = _bins(frame_h, self.h)
            xs, self._xn = _bins(frame_w, self.w)
            ny, nx = int(self._yn.max()), int(self._xn.max())
            # source row o of each output row's bin; a shorter bin repeats its first row,
            # which is subtracted again after the sum (so no padded copy of the frame)
            o = np.arange(ny)
            self._y_rows = np.where(o < self._yn[:, None], ys[:, None] + o, ys[:, None])
            self._acc = np.uint16 if ny * nx * 255 <= np.iinfo(np.uint16).max else np.uint32
            extra = (ny - self._yn).astype(self._acc)[:, None]
            self._y_extra = extra if extra.any() else None
            # source column o of every output column's bin, o-major (the sum then adds whole
            # rows of the result); a shorter bin takes the zero column past the end instead
            o = np.arange(nx)[:, None]
            self._x_cols = np.where(o < self._xn, xs + o, frame_w).ravel()
            self._nx = nx
            # sum / count rounded half up as floor(sum * (1 / count) + 0.5 + eps): float32 is
            # exact for 16-bit sums (error < 4e-5, every fraction is k / (2 count) >= 2e-3
            # from the next integer); float64 for bigger bins
            wide = self._acc == np.uint32
            count = (self._yn[:, None] * self._xn[None, :])[..., None]
            self._inv = (1.0 / count).astype(np.float64 if wide else np.float32)
            self._half = np.float64(0.5 + 1e-9) if wide else np.float32(0.5 + 1e-3)
        # _feeds[source row, cell row]: the source row is part of that cell row's picture
        self._feeds: np.ndarray | None = None
        if self.w:
            out = np.arange(self.h)  # output pixel row <- source row, for every pair
            if self.k:
                src = out // self.k
            elif self.h == frame_h:
                src = out
            else:
                src, out = np.arange(frame_h), np.repeat(out, self._yn)
            self._feeds = np.zeros((frame_h, rows), dtype=bool)
            self._feeds[src, (out + self.y0) // 2] = True

    def pixels(self, rgb: np.ndarray, js: np.ndarray) -> np.ndarray:
        """(len(js), w, 3) uint8: output pixel rows `js` (sorted, distinct, 0 <= j < h) of
        the fitted frame."""
        src = rgb[..., :3]
        if self.k:  # nearest-neighbour upscale by a whole factor
            return src[js // self.k].repeat(self.k, axis=1)
        if self.w == self.frame[1] and self.h == self.frame[0]:
            return src[js]
        return self._average(src, js)

    def _average(self, src: np.ndarray, js: np.ndarray) -> np.ndarray:
        """Box averages of output rows `js`: sums of source rows, then of columns, exact.

        Each step is one numpy call over all rows at once (a take, then a sum over an axis
        whose inner block is a whole row), so a few rows cost little more than their share.
        """
        n, (ny, w3) = len(js), (self._y_rows.shape[1], self.frame[1] * 3)
        if n and js[-1] - js[0] + 1 == n:  # a band of rows (the usual case): views, not copies
            js = slice(int(js[0]), int(js[-1]) + 1)  # type: ignore[assignment]
        rows = src.take(self._y_rows[js].ravel(), axis=0).reshape(n, ny, w3)
        acc = np.zeros((n, w3 + 3), self._acc)  # + a zero pixel for short column bins
        sums = np.add.reduce(rows, axis=1, dtype=self._acc, out=acc[:, :w3])
        if self._y_extra is not None:
            sums -= self._y_extra[js] * rows[:, 0]
        cols = acc.reshape(n, -1, 3).take(self._x_cols, axis=1)
        total = np.add.reduce(cols.reshape(n, self._nx, -1), axis=1, dtype=self._acc)
        mean = total.reshape(n, self.w, 3) * self._inv[js]
        mean += self._half
        return mean.astype(np.uint8)

    def touched(self, src_rows: np.ndarray) -> np.ndarray:
        """Sorted cell rows drawn from any of the changed source rows (a bool mask)."""
        if self._feeds is None:
            return np.arange(0)
        return np.flatnonzero(self._feeds[src_rows].any(axis=0))
