"""Widgets whose lines are kept between repaints, for a screen that redraws 15 times a second.

Textual's compositor asks every widget under the area it redraws for its lines, and a widget
answers through its styles cache: the lines themselves are cached, but each answer walks the
widget's ancestors for its colours and looks up its region, title and theme first. With 16
panes repainting together that was a fifth of each redraw, for borders and status lines that
had not changed. `KeptLines` answers with the very lines it gave last time, until something
that can change them happens: a refresh (content, border title, any style property set in
code), a style update (focus, classes, theme) or a new size.
"""

from __future__ import annotations

from typing import Any

from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget


class KeptLines(Widget):
    """Mix in before a Widget class: `class StatusLine(KeptLines, Static)`."""

    _kept: tuple[Region, Size, list[Strip]] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        kept, size = self._kept, self.size
        if kept is not None and kept[0] == crop and kept[1] == size:
            return kept[2]
        strips = super().render_lines(crop)
        self._kept = (crop, size, strips)
        return strips

    def refresh(self, *regions: Region, **kwargs: Any) -> Any:
        self._kept = None
        return super().refresh(*regions, **kwargs)

    def notify_style_update(self) -> None:
        self._kept = None
        super().notify_style_update()
