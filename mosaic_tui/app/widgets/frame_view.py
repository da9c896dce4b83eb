"""A frame drawn in half blocks through the Line API, repainting only the rows that changed.

Its lines go to the compositor as the renderer made them (`render_lines`): a frame has no
border, padding, tint or opacity for Textual's styles cache to add, and wrapping each
repainted row in a new Strip there cost more than building the row.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from textual.color import Color
from textual.filter import ANSIToTruecolor
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from mosaic_tui.render import HalfBlockRenderer


class FrameView(Widget):
    DEFAULT_CSS = "FrameView { height: 1fr; width: 1fr; }"
    # Repaint the whole view on every frame (what a widget without row diffing does). Only the
    # app benchmark (bench/app.py) sets it, to measure what refreshing the changed rows saves.
    repaint_all: ClassVar[bool] = False

    def __init__(self, renderer: HalfBlockRenderer | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.renderer = renderer or HalfBlockRenderer()
        self._rgb: np.ndarray | None = None
        self.frames_shown = 0
        self._background: Color | None = None  # for the line filters; reset by a style change
        self._blank_line: Strip | None = None  # a row without a frame; reset likewise

    def show(self, rgb: np.ndarray) -> None:
        self._rgb = rgb
        self.frames_shown += 1
        self._paint()

    def set_colors(self, mode: str) -> None:
        self.renderer.colors = mode  # type: ignore[assignment]
        self._paint()

    def _paint(self) -> None:
        width, height = self.size
        if self._rgb is None or width < 1 or height < 1:
            return
        changed = self.renderer.update(self._rgb, width, height)
        if self.repaint_all and changed:
            self.refresh()
            return
        spans = self.renderer.spans
        regions = [  # only the stretches of each row that changed
            Region(first, y, end - first, 1)
            for y in changed
            for first, end in spans.get(y, [(0, width)])
        ]
        if regions:
            self.refresh(*regions)

    def on_resize(self) -> None:
        self._paint()

    def notify_style_update(self) -> None:
        self._background = None
        self._blank_line = None
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        """The rows in `crop`, through the app's line filters (as Textual's own path does)
        but not through the styles cache: unless the view is tinted or translucent."""
        if self.styles.tint.a or self.opacity != 1.0:
            return super().render_lines(crop)
        width = self.size.width
        rows = self.renderer.strips  # all as wide as the view, once a frame is fitted to it
        if len(rows) >= crop.bottom and rows and rows[0].cell_length == width:
            strips = rows[crop.y : crop.bottom]
        else:  # no frame yet, or not one fitted to this size: blank (one Strip for all)
            strips = [self._blank(width)] * crop.height
        filters = [
            f
            for f in self.get_line_filters()  # truecolor cells are what this one makes them
            if not (isinstance(f, ANSIToTruecolor) and self.renderer.colors == "truecolor")
        ]
        if filters:
            background = self._background
            if background is None:
                background = self._background = self.background_colors[1]
            for line_filter in filters:  # cached on each Strip: a kept row costs a lookup
                strips = [strip.apply_filter(line_filter, background) for strip in strips]
        x1, x2 = crop.column_span
        if (x1, x2) != (0, width):
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def render_line(self, y: int) -> Strip:
        strips = self.renderer.strips
        if y < len(strips) and strips[y].cell_length == self.size.width:
            return strips[y]
        return self._blank(self.size.width)

    def _blank(self, width: int) -> Strip:
        blank = self._blank_line
        if blank is None or blank.cell_length != width:
            blank = self._blank_line = Strip.blank(width, self.rich_style)
        return blank
