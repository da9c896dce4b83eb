"""Frame -> 80x24 half-block cells: our renderer vs libchafa, term-image and rich-pixels.

Two kinds of frame, both 256x256 RGB drawn into 80x24 cells (48x48 px, 48x24 cells):
- pixel art: a real MiniGrid-Empty-8x8 frame after a few steps, alternating with the next
  frame (the agent moved): few colours, long runs, the style cache stays warm;
- photographic: uniform noise, 8 different frames in turn (CarRacing, Atari, Crafter are
  between the two): about one never-seen colour pair per cell, the worst case for Styles.
Measured: `renderer.render(frame, 80, 24)` as a pane uses it (one renderer kept across
frames, every call a full render, Strips included); a fresh renderer per call (cold caches);
the 256-colour path; and the warm `update()` of a pixel-art frame where only the agent moved.
Baselines, each given the same frames in the same run (a fresh frame each call, so no
library can reuse its previous output):
- a bare numpy area average to the fitted size (the floor: ours <= 2x);
- libchafa (`chafa.py`) in half-block mode (symbols vhalf + space) to a 48x24 canvas,
  draw + print to escape codes (target: ours at least as fast on photographs, and far
  faster on pixel art);
- term-image's BlockImage (half blocks) to a string (info: a string is cheaper to build
  than Rich Segments, which a Textual widget needs);
- rich-pixels' half-cell renderer to Rich segments (target: ours >= 10x faster on pixel art).
Timings are interleaved and the best is kept: this machine has two cores shared with others.
"""

from __future__ import annotations

import io
import itertools
import timeit
import warnings
from collections.abc import Callable

import numpy as np

TASK = "MiniGrid-Empty-8x8-v0"
COLS, ROWS = 80, 24
PHOTOS = 8  # noise frames in turn: more than the style cache holds
INSTALL = 'pip install -e ".[bench]"'


def frames() -> tuple[np.ndarray, np.ndarray]:
    """Two consecutive frames of a real episode: the second differs only where the agent moved."""
    import gymnasium
    import minigrid  # noqa: F401  (registers the env ids)

    env = gymnasium.make(TASK, render_mode="rgb_array")
    env.reset(seed=0)
    for action in (2, 2, 1, 2):  # forward, forward, turn right, forward
        env.step(action)
    before = env.render()
    env.step(2)
    after = env.render()
    env.close()
    return before, after


def photos(n: int = PHOTOS, size: int = 256) -> list[np.ndarray]:
    """Uniform RGB noise: nearly every cell a never-seen (top, bottom) colour pair."""
    rng = np.random.default_rng(13)
    return [rng.integers(0, 256, (size, size, 3), dtype=np.uint8) for _ in range(n)]


def turns(items: list[np.ndarray]) -> Callable[[], np.ndarray]:
    """The next of `items` each call, round and round."""
    return itertools.cycle(items).__next__


def rich_pixels_fn(shots: list[np.ndarray], w: int, h: int) -> Callable[[], object] | None:
    """rich-pixels' default (half-cell) path to segments, or None when it is not installed."""
    try:
        from PIL import Image
        from rich.console import Console
        from rich_pixels import HalfcellRenderer, Pixels
    except ImportError:
        return None
    console = Console(
        file=io.StringIO(), width=COLS, height=ROWS, color_system="truecolor", force_terminal=True
    )
    nxt = turns(shots)

    def run() -> list[object]:
        image = Image.fromarray(nxt()).resize((w, h))
        return list(console.render(Pixels.from_image(image, renderer=HalfcellRenderer())))

    return run


def chafa_fn(
    shots: list[np.ndarray], cols: int, rows: int, colors: str = "truecolor"
) -> Callable[[], object] | None:
    """libchafa in half-block mode, draw + print, or None when chafa.py is not installed
    (or its libchafa does not load)."""
    try:
        from chafa import Canvas, CanvasConfig, CanvasMode, PixelType, SymbolMap, SymbolTags, TermDb
    except (ImportError, OSError):
        return None
    config = CanvasConfig()
    config.width, config.height = cols, rows
    symbols = SymbolMap()
    symbols.add_by_tags(SymbolTags.CHAFA_SYMBOL_TAG_VHALF)  # ▀ ▄
    symbols.add_by_tags(SymbolTags.CHAFA_SYMBOL_TAG_SPACE)
    config.set_symbol_map(symbols)
    config.canvas_mode = (
        CanvasMode.CHAFA_CANVAS_MODE_TRUECOLOR
        if colors == "truecolor"
        else CanvasMode.CHAFA_CANVAS_MODE_INDEXED_240  # what our 256 path uses: 16..255
    )
    canvas = Canvas(config)
    term = TermDb().get_fallback_info()  # once: detecting the terminal is not drawing
    buffers = turns([np.ctypeslib.as_ctypes(np.ascontiguousarray(s).reshape(-1)) for s in shots])
    h, w = shots[0].shape[:2]

    def run() -> bytes:
        canvas.draw_all_pixels(PixelType.CHAFA_PIXEL_RGB8, buffers(), w, h, w * 3)
        return canvas.print(term)

    return run


def term_image_fn(shots: list[np.ndarray], rows: int) -> Callable[[], object] | None:
    """term-image's BlockImage (half blocks) to a string, or None when it is not installed."""
    # term-image warns once that this process has no terminal; it renders all the same
    warnings.filterwarnings("ignore", "It seems this process is not running within a terminal")
    try:
        from PIL import Image
        from term_image.image import BlockImage
    except ImportError:
        return None
    nxt = turns(shots)

    def run() -> str:
        image = BlockImage(Image.fromarray(nxt()))
        image.set_size(height=rows)
        return str(image)

    return run


def sprite_frames(frame: np.ndarray, cell_rows: int, first: int = 6) -> list[np.ndarray]:
    """The frame, and it with a solid 64-px block over the source rows of `cell_rows` cell
    rows from `first` (strictly inside them): a sprite that touches just those rows."""
    h = frame.shape[0]
    top = -(-2 * first * h // (2 * ROWS)) + 1  # ceil, then one in: clear of the row above
    end = 2 * (first + cell_rows) * h // (2 * ROWS) - 1
    moved = frame.copy()
    moved[top:end, 96:160] = (255, 0, 255)
    return [frame, moved]


def numpy_area_average(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """The bare numpy area average the issue measures against (box sums with reduceat)."""
    src_h, src_w = rgb.shape[:2]
    rows = (np.arange(height) * src_h) // height
    cols = (np.arange(width) * src_w) // width
    acc = np.add.reduceat(rgb[..., :3].astype(np.uint32), rows, axis=0)
    acc = np.add.reduceat(acc, cols, axis=1)
    counts = np.diff(np.append(rows, src_h))[:, None] * np.diff(np.append(cols, src_w))[None, :]
    return ((acc + (counts[..., None] >> 1)) // counts[..., None]).astype(np.uint8)


def best_times(fns: dict[str, Callable[[], object]], number: int, repeat: int) -> dict[str, float]:
    """Best seconds per call of each function, rounds interleaved so load hits all alike."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            best[name] = min(best[name], timeit.timeit(fn, number=number) / number)
    return best


def line(name: str, measured: float, baseline: float, target: str, scale: float = 1e3) -> str:
    """One row: `measured` and `baseline` seconds in ms (or in µs, scale 1e6), and their ratio."""
    ms, base = measured * scale, baseline * scale
    return f"{name:<44} {ms:>12.3f} {base:>12.3f} {measured / baseline:>8.2f}  {target}"


def run(quick: bool = False) -> list[str]:
    from mosaic_tui.render import HalfBlockRenderer, fit_cells

    before, after = frames()
    noise = photos()
    w, h = fit_cells(before.shape[1], before.shape[0], COLS, ROWS)
    cells = (w, (h + 1) // 2)  # the fitted picture's cells: what the libraries draw

    warm = HalfBlockRenderer()
    warm.update(before, COLS, ROWS)
    flip = [after, before]
    changed_rows: list[int] = []

    def warm_update() -> None:  # alternate the two frames: every call has the agent moving
        flip.reverse()
        changed_rows[:] = warm.update(flip[0], COLS, ROWS)

    def updates(shots: list[np.ndarray]) -> tuple[Callable[[], object], list[int]]:
        """Warm updates alternating the frames, and the rows the last one changed."""
        renderer, nxt, rows = HalfBlockRenderer(), turns(shots), []
        renderer.update(shots[-1], COLS, ROWS)
        return lambda: rows.__setitem__(slice(None), renderer.update(nxt(), COLS, ROWS)), rows

    one, one_rows = updates(sprite_frames(after, 1))
    many, many_rows = updates(sprite_frames(after, 12))

    def pane(shots: list[np.ndarray], colors: str = "truecolor") -> Callable[[], object]:
        """Full renders of the frames in turn by one renderer, as a pane keeps it."""
        renderer, nxt = HalfBlockRenderer(colors), turns(shots)  # type: ignore[arg-type]
        return lambda: renderer.render(nxt(), COLS, ROWS)

    art = [before, after]
    fns: dict[str, Callable[[], object]] = {
        "ours": pane(art),
        "cold": lambda: HalfBlockRenderer().render(before, COLS, ROWS),
        "ours256": pane(art, "256"),
        "area": lambda: numpy_area_average(before, w, h),
        "update": warm_update,
        "update one": one,
        "update many": many,
        "photo": pane(noise),
        "photo256": pane(noise, "256"),
    }
    baselines = {
        "rich-pixels": (rich_pixels_fn(art, w, h), rich_pixels_fn(noise, w, h)),
        "libchafa": (chafa_fn(art, *cells), chafa_fn(noise, *cells)),
        "term-image": (term_image_fn(art, cells[1]), term_image_fn(noise, cells[1])),
    }
    chafa256 = chafa_fn(noise, *cells, colors="256")
    for name, (on_art, on_photo) in baselines.items():
        if on_art is not None and on_photo is not None:
            fns[f"{name} art"], fns[f"{name} photo"] = on_art, on_photo
    if chafa256 is not None:
        fns["libchafa photo256"] = chafa256
    number, repeat = (10, 3) if quick else (50, 9)
    t = best_times(fns, number, repeat)

    print(
        f"render: 256x256 frames -> {COLS}x{ROWS} cells ({w}x{h} px), ms per frame, best of"
        f" {repeat} x {number}; pixel art: {TASK}, agent move changes {len(changed_rows)} of"
        f" {ROWS} rows; photographic: {PHOTOS} noise frames in turn"
    )
    missing = [name for name in baselines if f"{name} art" not in t]
    if missing:
        print(f"render: {', '.join(missing)} not importable; skipped ({INSTALL})")

    def vs(name: str, ours: str, base: str, target: str) -> list[str]:
        return [line(name, t[ours], t[base], target)] if base in t else []

    return [
        *vs("render pixel art ms (vs numpy area average)", "ours", "area", "<= 2.00"),
        *vs("render pixel art ms (vs rich-pixels)", "ours", "rich-pixels art", "<= 0.10"),
        *vs("render pixel art ms (vs libchafa)", "ours", "libchafa art", "<= 0.20"),
        *vs("render pixel art ms (vs term-image)", "ours", "term-image art", "(info)"),
        *vs("render photo ms (vs libchafa)", "photo", "libchafa photo", "<= 1.00"),
        *vs("render photo ms (vs term-image)", "photo", "term-image photo", "(info)"),
        *vs("render photo ms (vs rich-pixels)", "photo", "rich-pixels photo", "(info)"),
        *vs(
            "render photo 256-colour ms (vs libchafa 240)",
            "photo256",
            "libchafa photo256",
            "<= 1.00",
        ),  # fmt: skip
        line("cold render, fresh renderer ms (vs pane's)", t["cold"], t["ours"], "(info)"),
        line("render pixel art 256-colour ms (vs truecolor)", t["ours256"], t["ours"], "(info)"),
        line("render photo 256-colour ms (vs truecolor)", t["photo256"], t["photo"], "(info)"),
        line(
            f"warm update(), {len(changed_rows)}/{ROWS} rows ms (vs render)",
            t["update"],
            t["ours"],
            f"<= {len(changed_rows) / ROWS + 0.15:.2f}",  # its share of rows, and a little
        ),
        # the same as a fixed part and a part per changed row (a sprite over 1, then 12 rows)
        line(
            f"  of which fixed: update(), {len(one_rows)} row ms (vs render)",
            t["update one"],
            t["ours"],
            "(info)",
        ),
        line(
            f"  and per changed row ({len(many_rows)} - {len(one_rows)}) µs (vs render / {ROWS})",
            (t["update many"] - t["update one"]) / max(len(many_rows) - len(one_rows), 1),
            t["ours"] / ROWS,
            "<= 1.25",
            scale=1e6,
        ),
    ]
