"""Text on its way to the command line's Rich consoles: see mosaic_tui/render/text.py, where
the app's results screen gets it too."""

from __future__ import annotations

from mosaic_tui.render.text import plain, safe

__all__ = ["plain", "safe"]
