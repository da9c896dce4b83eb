"""`mosaic-tui gif SESSION OPERATOR EPISODE -o out.gif`: a recorded episode replayed from its seed
and actions (runtime/replay.py) and written as an animated GIF with Pillow, at the env's own
resolution (or fitted into `--size`), `--fps` frames a second."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from rich.console import Console

from mosaic_tui.cli.outputs import unwritable
from mosaic_tui.cli.text import safe
from mosaic_tui.experiments.recorded import NotRecorded, recorded_episode
from mosaic_tui.protocol import FrameRequest
from mosaic_tui.runtime.process import WorkerError
from mosaic_tui.runtime.replay import EpisodeReplay
from mosaic_tui.telemetry import TelemetryError, TelemetryStore, default_db_path

errors = Console(stderr=True, highlight=False, soft_wrap=True)
MIN_FPS, MAX_FPS = 1, 50  # what `--fps` may be (main.py checks it as it parses)
NATIVE = 4096  # a box no env frame fills: frames come at their own size (never upscaled)


def gif_command(
    session: str,
    operator: str,
    episode: int,
    output: Path,
    *,
    db: Path | None = None,
    size: tuple[int, int] | None = None,
    fps: float = 8.0,
) -> int:
    if output.suffix.lower() != ".gif":
        errors.print(f"error: -o {safe(output)}: the file must end in .gif")
        return 2
    if not MIN_FPS <= fps <= MAX_FPS:
        errors.print(f"error: --fps {fps:g}: give {MIN_FPS} to {MAX_FPS} frames a second")
        return 2
    why = unwritable(output)  # before the replay, which may take a while
    if why is not None:
        errors.print(f"error: cannot write {safe(output)}: {safe(why)}; choose another -o")
        return 2
    path = db or default_db_path()
    try:
        with TelemetryStore.open(path) as store:
            recorded = recorded_episode(store, session, operator, episode)
    except (TelemetryError, NotRecorded) as exc:
        errors.print(f"error: {safe(exc.args[0] if exc.args else exc)}")
        return 2
    config = recorded.config
    box = FrameRequest(*(size or (NATIVE, NATIVE)))
    began = time.perf_counter()
    try:
        images, mismatch = asyncio.run(gif_images(config, recorded.seed, recorded.steps, box))
    except WorkerError as exc:
        errors.print(f"error: the replay's env worker failed: {safe(exc)}")
        return 1
    if not images:
        errors.print(f"error: {safe(config.task)} sent no frames to draw (does it render?)")
        return 1
    try:
        images[0].save(output, save_all=True, append_images=images[1:], loop=0,
                       duration=round(1000 / fps), optimize=False)  # fmt: skip
    except OSError as exc:
        errors.print(f"error: cannot write {safe(output)}: {exc.strerror or exc}")
        return 1
    width, height = images[0].size
    errors.print(
        f"wrote {safe(output)}: {len(images)} frames of {width}x{height} at {fps:g} fps"
        f" ({time.perf_counter() - began:.1f} s)"
    )
    if mismatch is not None:
        errors.print(f"warning: the replay differs from the recording at {safe(mismatch)}: the"
                     " env is not deterministic under this seed (or changed since)")  # fmt: skip
    return 0


def parse_size(text: str) -> tuple[int, int] | None:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        return None
    return (width, height) if width > 0 and height > 0 else None


async def gif_images(config, seed, steps, box):  # type: ignore[no-untyped-def]
    """The replay's frames as GIF-ready palette images, and where it first differed.

    Each frame is given its palette as it arrives, while the worker renders the next one (the
    two take about as long), rather than by Pillow's `save` after the last."""
    from PIL import Image

    images, mismatch = [], None
    async for replayed in EpisodeReplay(config, seed, steps, box).play():
        if replayed.frame is not None:
            rgb = Image.fromarray(replayed.frame.to_array(), "RGB")
            images.append(rgb.convert("P", palette=Image.Palette.ADAPTIVE))  # as save would
        if replayed.mismatch and mismatch is None:
            mismatch = f"step {replayed.step_index} ({replayed.mismatch})"
    return images, mismatch
