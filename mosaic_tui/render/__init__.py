"""Drawing env frames in the terminal: RGB arrays -> half-block Textual Strips.

Kept apart from the widgets so the pixel work can be tested and benchmarked without an app.
"""

from __future__ import annotations

from mosaic_tui.render.halfblock import (
    COLOR_MODES,
    ColorMode,
    HalfBlockRenderer,
    fit_cells,
)
from mosaic_tui.render.palette import quantize_xterm256, xterm_rgb

__all__ = [
    "COLOR_MODES",
    "ColorMode",
    "HalfBlockRenderer",
    "fit_cells",
    "quantize_xterm256",
    "xterm_rgb",
]
