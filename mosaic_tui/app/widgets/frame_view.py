"""A frame drawn in half blocks through the Line API, repainting only the rows that changed."""

from __future__ import annotations

import numpy as np
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from mosaic_tui.render import HalfBlockRenderer


class FrameView(Widget):
    DEFAULT_CSS = "FrameView { height: 1fr; width: 1fr; }"

    def __init__(self, renderer: HalfBlockRenderer | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.renderer = renderer or HalfBlockRenderer()
        self._rgb: np.ndarray | None = None
        self.frames_shown = 0

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
        # coalesce runs of changed rows into one region each
        start = prev = None
        for y in changed + [None]:  # type: ignore[operator]
            if y is not None and prev is not None and y == prev + 1:
                prev = y
                continue
            if start is not None and prev is not None:
                self.refresh(Region(0, start, width, prev - start + 1))
            start = prev = y

    def on_resize(self) -> None:
        self._paint()

    def render_line(self, y: int) -> Strip:
        strips = self.renderer.strips
        if y < len(strips) and strips[y].cell_length == self.size.width:
            return strips[y]
        return Strip.blank(self.size.width, self.rich_style)
