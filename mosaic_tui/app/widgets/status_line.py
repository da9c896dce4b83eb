"""A pane's status line: one line of plain text in the pane's top row, drawn cheaply."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Static

from mosaic_tui.app.widgets.kept import KeptLines

_AT_START = RichStyle.from_meta({"offset": (0, 0)})  # what Static puts on its text (selection)


class StatusLine(KeptLines, Static):
    """A pane's status line: one line of plain text, drawn as one Strip (Textual's content
    machinery costs half a millisecond a line, 16 panes redraw theirs 4 times a second),
    and kept while the text is the same."""

    def render_lines(self, crop: Region) -> list[Strip]:
        kept, size = self._kept, self.size
        if kept is not None and kept[0] == crop and kept[1] == size:
            return kept[2]
        width, height = self.outer_size
        if height != 1 or self.styles.tint.a or self.opacity != 1.0:
            return super().render_lines(crop)
        pad = self.styles.padding
        room = max(width - pad.left - pad.right, 0)
        text = str(self.content)[:room]
        base_background, background = self.background_colors
        blank = RichStyle(bgcolor=(base_background + background).rich_color)
        fill = room - len(text)
        left = {"right": fill, "center": fill // 2}.get(self.styles.text_align, 0)
        segments = [Segment(" " * (pad.left + left), blank)] if pad.left + left else []
        if text:
            segments.append(Segment(text, self.rich_style + _AT_START))
        if fill - left + pad.right:
            segments.append(Segment(" " * (fill - left + pad.right), blank))
        strip = Strip(segments, width)
        for line_filter in self.get_line_filters():
            strip = strip.apply_filter(line_filter, background)
        strips = [strip.crop(crop.x, crop.right)] if crop.height else []
        self._kept = (crop, size, strips)
        return strips
