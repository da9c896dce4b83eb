"""Rich `Style`s for half-block cells, built in bulk and cached per (top, bottom) colour pair.

A photographic frame brings about one never-seen pair per cell, so building a Style must be
cheap, not just rare: the colours of all missing pairs are made in a few C-level passes
(numpy for the channel split and hex names, `map` over tuple constructors) instead of one
`Color.from_rgb` call each, and each Style is a `CellStyle`: four attribute writes where
`Style.from_color` makes eleven. Pixel art reuses a few dozen pairs, which the bounded cache
keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from typing import Literal

import numpy as np
from rich.color import Color, ColorType
from rich.color_triplet import ColorTriplet
from rich.style import Style

STYLE_CACHE_LIMIT = 4096
"""Colour pairs kept; photographic frames can mint many, pixel art a few dozen."""

BOTTOM_BITS = 24  # a packed colour (0xRRGGBB or a palette index) fits in 24 bits
BOTTOM_MASK = (1 << BOTTOM_BITS) - 1

# NamedTuples are made by `tuple.__new__(cls, fields)` over `map`, without the per-call
# Python frame of their generated __new__: the same tuples `Color.from_rgb` builds (the
# tests compare them), made from C.
_tuple_new = tuple.__new__
_ANSI: list[Color] = [Color.from_ansi(i) for i in range(256)]
_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_NIBBLE_SHIFTS = np.array([20, 16, 12, 8, 4, 0], dtype=np.uint32)


def truecolors(codes: np.ndarray) -> list[Color]:
    """24-bit Colors for 0xRRGGBB codes, equal to `Color.from_rgb(r, g, b)` for each.

    The "#rrggbb" names are written by numpy into one string and split: no per-colour
    formatting call.
    """
    codes = codes.astype(np.uint32)
    text = np.empty((len(codes), 8), np.uint8)
    text[:, 0], text[:, 7] = ord("#"), ord(",")
    text[:, 1:7] = _HEX_DIGITS[(codes[:, None] >> _NIBBLE_SHIFTS) & 0xF]
    names = text.tobytes().decode("ascii").split(",")[:-1]
    r, g, b = (codes >> 16).tolist(), ((codes >> 8) & 0xFF).tolist(), (codes & 0xFF).tolist()
    triplets = map(_tuple_new, repeat(ColorTriplet), zip(r, g, b, strict=True))
    fields = zip(names, repeat(ColorType.TRUECOLOR), repeat(None), triplets)
    return list(map(_tuple_new, repeat(Color), fields))


def palette_colors(codes: np.ndarray) -> list[Color]:
    """8-bit Colors for xterm-256 indices (`Color.from_ansi`), from a table built once."""
    return list(map(_ANSI.__getitem__, codes.tolist()))


class CellStyle(Style):
    """A colours-only Style (what `Style.from_color` makes) that is cheaper to make: the
    fields every such Style has in common are class attributes, so a new one writes four.

    Rich writes `_ansi` and `_hash` lazily, so they stay per-instance slots. A copy or a sum
    of CellStyles is a plain Style (Rich builds those with `Style.__new__(Style)`).
    """

    __slots__ = ()
    _style_definition = None
    _set_attributes = 0
    _attributes = 0
    _link = None
    _link_id = ""
    _meta = None
    _null = False  # a cell always has a background


CELL_FIELDS = frozenset(
    ("_style_definition", "_set_attributes", "_attributes", "_link", "_link_id", "_meta", "_null")
    + ("_color", "_bgcolor", "_ansi", "_hash")  # the four a CellStyle writes
)


def cell_style(color: Color | None, bgcolor: Color) -> Style:
    """`Style.from_color(color, bgcolor)`, made as a `CellStyle` when Rich's fields are known."""
    style = object.__new__(CellStyle)
    style._color = color
    style._bgcolor = bgcolor
    style._ansi = None
    style._hash = None
    return style


def style_maker(fields: frozenset[str]) -> Callable[[Color | None, Color], Style]:
    """`cell_style` if Rich's Style has exactly the fields it knows, else `Style.from_color`
    (a Rich with a new field would leave it unset in a CellStyle)."""
    return cell_style if fields == CELL_FIELDS else Style.from_color


_make_style = style_maker(frozenset(getattr(Style, "__slots__", ())))


class StyleCache:
    """Style per packed pair key (top << 24 | bottom); a pair with equal halves gets a
    background only (the renderer draws it as a space).

    Bounded: when a frame's new pairs would overflow the cache, the cache becomes that
    frame's own pairs (its working set) if they fit, else keeps what it had; either way the
    frame gets every style it needs.
    """

    def __init__(self, colors: Literal["truecolor", "256"], limit: int = STYLE_CACHE_LIMIT) -> None:
        self.limit = limit
        self._colors = truecolors if colors == "truecolor" else palette_colors
        self._styles: dict[int, Style] = {}

    def __len__(self) -> int:
        return len(self._styles)

    def lookup(self, keys: list[int]) -> list[Style]:
        """The Style of each key, in order, building the missing ones in one batch."""
        cache = self._styles
        wanted = set(keys)
        missing = wanted.difference(cache)
        if not missing:
            return list(map(cache.__getitem__, keys))
        new = list(missing)
        made = dict(zip(new, self._build(np.array(new, dtype=np.uint64)), strict=True))
        if len(cache) + len(made) <= self.limit:
            cache.update(made)
            return list(map(cache.__getitem__, keys))
        hits = list(wanted.difference(missing))
        made.update(zip(hits, map(cache.__getitem__, hits), strict=True))
        if len(made) <= self.limit:
            self._styles = made
        return list(map(made.__getitem__, keys))

    def _build(self, keys: np.ndarray) -> list[Style]:
        top, bottom = keys >> BOTTOM_BITS, keys & BOTTOM_MASK
        codes, where = np.unique(np.concatenate((top, bottom)), return_inverse=True)
        colors: list[Color | None] = [*self._colors(codes), None]
        n = len(keys)
        fg = np.where(top == bottom, len(codes), where[:n])  # equal halves: no foreground
        fgs = map(colors.__getitem__, fg.tolist())
        bgs = map(colors.__getitem__, where[n:].tolist())
        return list(map(_make_style, fgs, bgs))
