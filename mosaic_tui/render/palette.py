"""Vectorised quantisation of RGB pixels to the xterm-256 palette.

Terminals without truecolor show the 256-colour palette; quantising ourselves (instead of
letting Rich map each colour) means equal quantised neighbours merge into one segment, and
the whole image is mapped in a few numpy operations instead of one Python call per colour.
Only indices 16..255 are used: 0..15 are themed by the terminal and would shift the picture.
"""

from __future__ import annotations

import numpy as np

CUBE_LEVELS = np.array([0, 95, 135, 175, 215, 255], dtype=np.int32)
"""Channel intensities of the 6x6x6 colour cube (indices 16..231)."""

GREY_LEVELS = 8 + 10 * np.arange(24, dtype=np.int32)
"""Intensities of the grey ramp (indices 232..255)."""

# Nearest cube level for every channel value: a 256-entry lookup beats per-pixel argmin.
_CUBE_INDEX = np.abs(np.arange(256)[:, None] - CUBE_LEVELS[None, :]).argmin(axis=1)
_CUBE_INDEX = _CUBE_INDEX.astype(np.int32)


def xterm_rgb(index: int) -> tuple[int, int, int]:
    """The RGB value xterm shows for a palette index in 16..255 (for tests and previews)."""
    if 16 <= index <= 231:
        i = index - 16
        return (
            int(CUBE_LEVELS[i // 36]),
            int(CUBE_LEVELS[(i // 6) % 6]),
            int(CUBE_LEVELS[i % 6]),
        )
    if 232 <= index <= 255:
        g = int(GREY_LEVELS[index - 232])
        return g, g, g
    raise ValueError(f"only palette indices 16..255 have fixed colours, got {index}")


def quantize_xterm256(rgb: np.ndarray) -> np.ndarray:
    """Map an (..., 3) uint8 array to xterm-256 indices (same leading shape, uint8).

    Each pixel gets the nearer (squared RGB distance) of its nearest cube colour and its
    nearest grey; greys matter because the cube has only six levels per channel, so mid
    greys such as (128, 128, 128) would otherwise land 7 steps away.
    """
    px = rgb[..., :3].astype(np.int32)
    ci = _CUBE_INDEX[rgb[..., :3]]  # nearest level per channel, (..., 3)
    cube = CUBE_LEVELS[ci]
    cube_d = ((px - cube) ** 2).sum(axis=-1)
    cube_idx = 16 + 36 * ci[..., 0] + 6 * ci[..., 1] + ci[..., 2]

    mean = px.sum(axis=-1)
    # nearest grey step to the channel mean: round((mean/3 - 8) / 10) in integers
    gi = np.clip((mean - 24 + 15) // 30, 0, 23)
    grey = GREY_LEVELS[gi]
    grey_d = ((px - grey[..., None]) ** 2).sum(axis=-1)

    return np.where(grey_d < cube_d, 232 + gi, cube_idx).astype(np.uint8)
