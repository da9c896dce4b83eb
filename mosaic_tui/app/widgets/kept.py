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

from textual.containers import Container, Horizontal, Vertical
from textual.geometry import Region, Size
from textual.strip import Strip


class KeptLines:
    """Mix in before a Widget class: `class StatusLine(KeptLines, Static)`. Not a Widget
    itself: Textual inherits default CSS along the first base that is one (here `Static`)."""

    _kept: tuple[Region, Size, list[Strip]] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        kept, size = self._kept, self.size  # type: ignore[attr-defined]
        if kept is not None and kept[0] == crop and kept[1] == size:
            return kept[2]
        strips: list[Strip] = super().render_lines(crop)  # type: ignore[misc]
        self._kept = (crop, size, strips)
        return strips

    def refresh(self, *regions: Region, **kwargs: Any) -> Any:
        self._kept = None
        return super().refresh(*regions, **kwargs)  # type: ignore[misc]

    def notify_style_update(self) -> None:
        self._kept = None
        super().notify_style_update()  # type: ignore[misc]


class KeptHorizontal(KeptLines, Horizontal):
    """The app's containers: their clip is the whole screen, so every redraw asks them."""


class KeptVertical(KeptLines, Vertical):
    pass


class KeptContainer(KeptLines, Container):
    pass
