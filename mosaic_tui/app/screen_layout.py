"""The main screen laid out for the terminal's size: the operator list shown or hidden, the
grid's columns, the panes' shared paint clock, and the frame size each operator draws at.

Owned by the app (`app.screen_layout`); the arithmetic is in `layout`, tested on its own.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from textual.containers import Container
from textual.widget import Widget
from textual.widgets import Static

from mosaic_tui.app.layout import MIN_HEIGHT, MIN_WIDTH, SIDEBAR_FROM, best_columns, frame_interval
from mosaic_tui.app.widgets.footer import KeyFooter
from mosaic_tui.app.widgets.frame_pane import FramePane
from mosaic_tui.protocol import FrameRequest

if TYPE_CHECKING:
    from mosaic_tui.app.app import MosaicApp


class ScreenLayout:
    """Lays the app's widgets out again whenever the size or the set of panes changes."""

    def __init__(self, app: MosaicApp) -> None:
        self.app = app
        self.sidebar_choice: bool | None = None  # `b` decides; until then, the width does
        self.too_small = False  # below MIN_WIDTH x MIN_HEIGHT: only the note shows
        self._focus_before: Widget | None = None  # where the focus was when it became so

    def relayout(self) -> None:
        """Lay the panes out for the terminal size, or say it is too small."""
        app = self.app
        width, height = app.size
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        if small != self.too_small:
            self.too_small = small
            app.refresh_bindings()  # the footer and palette drop (or get back) the forms
            if small:  # hiding the body takes the focus from it: given back once it shows
                self._focus_before = app.screen.focused
        note = app.query_one("#too-small", Static)
        note.display = small
        app.query_one("#body").display = not small
        if not small and self._focus_before is not None:
            kept, self._focus_before = self._focus_before, None
            if kept.is_attached and kept.focusable:
                app.call_after_refresh(kept.focus)  # a chess move box, say: typing goes on
        if small:
            note.update(
                f"The terminal is {width}x{height}:\nmosaic-tui needs at least "
                f"{MIN_WIDTH}x{MIN_HEIGHT}.\nEnlarge the window (or use a smaller font)."
                "\n\nq quits"
            )
            return
        sidebar = app.query_one("#sidebar")
        sidebar_width = 30 if width >= 120 else 24
        sidebar.styles.width = sidebar_width
        # small terminals give the frames the room; the state goes to one line instead
        wanted = width >= SIDEBAR_FROM if self.sidebar_choice is None else self.sidebar_choice
        sidebar.display = wanted and width - sidebar_width >= MIN_WIDTH // 2
        app.query_one("#status-line").display = not sidebar.display
        app.query_one(KeyFooter).compact = width < 120
        all_panes = list(app.query(FramePane))
        panes = len(all_panes)
        every = frame_interval(panes)
        app.drawing.frame_every = every
        for pane in all_panes:
            pane.frame_every = every  # one clock for all: they paint on the same ticks
        app.session.frame_every = every  # ... and streams draw only the frames painted
        grid = app.query_one("#grid", Container)
        grid_width = width - (sidebar_width if sidebar.display else 0)
        cols = best_columns(panes, grid_width, height - (1 if sidebar.display else 2))
        grid.styles.grid_size_columns = cols
        grid.styles.grid_size_rows = max(1, math.ceil(panes / cols))
        app.call_after_refresh(self.request_frame_sizes)  # frames come at the new pane size
        app.call_after_refresh(app.drawing.refresh_status)  # status lines cut to new widths

    def toggle_sidebar(self) -> None:
        """`b`: the operator list shown or hidden from now on, whatever the width."""
        self.sidebar_choice = not self.app.query_one("#sidebar").display
        self.relayout()

    def frame_request(self, operator_id: str) -> FrameRequest | None:
        """The frame size the operator's pane shows; None once the pane is gone."""
        pane = self.app.pane(operator_id)
        if pane is None:
            return None
        width, height = pane.pixel_box
        return FrameRequest(width, height)

    def request_frame_sizes(self) -> None:
        """Every running operator draws its frames at its pane's size from now on."""
        session = self.app.session
        for op in list(session.runners):
            request = self.frame_request(op)
            if request is not None:
                session.set_frame(op, request)
