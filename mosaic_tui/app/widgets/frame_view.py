"""A frame drawn in half blocks through the Line API, repainting only the rows that changed."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
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
        for y in changed:  # only the stretches of each row that changed
            for first, end in spans.get(y, [(0, width)]):
                self.refresh(Region(first, y, end - first, 1))

    def on_resize(self) -> None:
        self._paint()

    def render_line(self, y: int) -> Strip:
        strips = self.renderer.strips
        if y < len(strips) and strips[y].cell_length == self.size.width:
            return strips[y]
        return Strip.blank(self.size.width, self.rich_style)
