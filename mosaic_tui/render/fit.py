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
            # zeroed again in the taken copy (so no padded copy of the frame)
            o = np.arange(ny)
            short = o >= self._yn[:, None]
            self._y_take = np.where(short, ys[:, None], ys[:, None] + o).ravel()
            self._y_repeat = short.ravel() if short.any() else None
            self._acc = np.uint16 if ny * nx * 255 <= np.iinfo(np.uint16).max else np.uint32
            # source column o of every output column's bin, o-major (the sum then adds whole
            # rows of the result); a shorter bin takes the zero column past the end instead
            o = np.arange(nx)[:, None]
            self._x_cols = np.where(o < self._xn, xs + o, frame_w).ravel()
            self._nx = nx
            # sum / count rounded half up as floor(sum * (1 / count) + 0.5 + eps): float32 is
            # exact for 16-bit sums (error < 4e-5, every fraction is k / (2 count) >= 2e-3
            # from the next integer); float64 for bigger bins
            wide = self._acc == np.uint32
            count = np.repeat((self._yn[:, None] * self._xn[None, :])[..., None], 3, axis=2)
            self._inv = (1.0 / count).astype(np.float64 if wide else np.float32)  # per channel:
            # a product of contiguous arrays, not a broadcast over 3-value inner loops
            self._half = np.float64(0.5 + 1e-9) if wide else np.float32(0.5 + 1e-3)
            # scratch for every step, reused (an update's few rows are mostly call overhead);
            # the zero pixel at the end of each `_acc_rows` row is never written
            self._take_rows = np.empty((len(self._y_take), frame_w, 3), np.uint8)
            self._acc_rows = np.zeros((self.h, 3 * frame_w + 3), self._acc)
            self._sum_rows = np.empty((self.h, 3 * self.w), self._acc)
            self._mean_rows = np.empty((self.h, self.w, 3), self._inv.dtype)
        self.cells = (self.y0 // 2, self.y0 // 2 + (self.h + 1) // 2)  # cell rows with picture
        self._groups(frame_h, rows)

    def _groups(self, frame_h: int, rows: int) -> None:
        """Source rows grouped by the cell rows they feed: `group_rows` holds each group's
        first source row. `update()` asks which groups changed, in one reduction."""
        self.group_rows = np.zeros(1, dtype=np.intp)
        self._group_cells = np.zeros(0, dtype=np.intp)  # one cell row per group, or
        self._group_feeds: np.ndarray | None = None  # (group, cell row) where one feeds several
        if not self.w:
            return
        out = np.arange(self.h)  # output pixel row <- source row, for every pair
        if self.k:
            src = out // self.k
        elif self.h == frame_h:
            src = out
        else:
            src, out = np.arange(frame_h), np.repeat(out, self._yn)
        feeds = np.zeros((frame_h, rows), dtype=bool)  # every source row feeds some cell row
        feeds[src, (out + self.y0) // 2] = True
        self.group_rows = np.flatnonzero(np.r_[True, (feeds[1:] != feeds[:-1]).any(axis=1)])
        feeds = feeds[self.group_rows]
        if (feeds.sum(axis=1) == 1).all():  # no upscale by 3 or more: the usual case
            self._group_cells = feeds.argmax(axis=1)
            self._first_cell = int(self._group_cells[0])
        else:
            self._group_feeds = feeds

    def cells_of(self, groups: np.ndarray) -> slice | np.ndarray:
        """The cell rows fed by the given (sorted, some) groups of source rows: a band (the
        usual case: one sprite moved), or sorted rows."""
        if self._group_feeds is not None:
            return np.flatnonzero(self._group_feeds[groups].any(axis=0))
        g0, g1 = int(groups[0]), int(groups[-1])
        if g1 - g0 + 1 == len(groups):  # groups map to cell rows in order, one to one
            first = self._first_cell + g0  # and every picture cell row has one
            return slice(first, first + len(groups))
        return self._group_cells[groups]

    def pixels(self, rgb: np.ndarray, js: slice | np.ndarray) -> np.ndarray:
        """(len(js), w, 3) uint8: output pixel rows `js` (a band, or sorted distinct rows,
        0 <= j < h) of the fitted frame."""
        n = js.stop - js.start if isinstance(js, slice) else len(js)
        out = np.empty((n, self.w, 3), dtype=np.uint8)
        self.write(rgb, js, out)
        return out

    def write(self, rgb: np.ndarray, js: slice | np.ndarray, out: np.ndarray) -> None:
        """`pixels()` written into `out`, any uint8 array (or strided view) of that many
        values: the renderer passes the colour fields of its cell keys, so the pixels are
        cast straight into them, with no pass or temporary between."""
        src = rgb if rgb.shape[2] == 3 else rgb[..., :3]
        if self.k:  # nearest-neighbour upscale by a whole factor
            if isinstance(js, slice):
                js = np.arange(js.start, js.stop)
            np.copyto(out, src[js // self.k].repeat(self.k, axis=1).reshape(out.shape))
        elif self.w == self.frame[1] and self.h == self.frame[0]:
            np.copyto(out, src[js].reshape(out.shape))
        else:
            self._average(src, js, out)

    def _average(self, src: np.ndarray, js: slice | np.ndarray, out: np.ndarray) -> None:
        """Box averages of output rows `js` into `out`: sums of source rows, then of
        columns, exact.

        Each step is one numpy call over all rows at once (a take, then a sum over an axis
        whose inner block is a whole row), so a few rows cost little more than their share.
        """
        ny, w3, repeat = len(self._y_take) // self.h, self.frame[1] * 3, self._y_repeat
        if isinstance(js, slice):  # a band of rows (the usual case): views, not copies
            n, take = js.stop - js.start, self._y_take[js.start * ny : js.stop * ny]
            repeat = None if repeat is None else repeat[js.start * ny : js.stop * ny]
        else:
            n, take = len(js), self._y_take.reshape(-1, ny)[js].ravel()
            repeat = None if repeat is None else repeat.reshape(-1, ny)[js].ravel()
        rows = src.take(take, axis=0, out=self._take_rows[: len(take)], mode="clip")
        if repeat is not None:
            rows[repeat] = 0
        acc = self._acc_rows[:n]
        np.add.reduce(rows.reshape(n, ny, w3), axis=1, out=acc[:, :w3])
        cols = acc.reshape(n, -1, 3).take(self._x_cols, axis=1, mode="clip")
        total = np.add.reduce(cols.reshape(n, self._nx, -1), axis=1, out=self._sum_rows[:n])
        mean = np.multiply(total.reshape(n, self.w, 3), self._inv[js], out=self._mean_rows[:n])
        np.add(mean.reshape(out.shape), self._half, out=out, casting="unsafe")  # truncates
