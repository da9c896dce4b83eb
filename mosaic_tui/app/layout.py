"""How operators are named and panes are arranged: pure functions, tested on their own."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

from mosaic_tui.core import OperatorConfig

MIN_WIDTH, MIN_HEIGHT = 60, 16
SIDEBAR_FROM = 100  # columns; narrower terminals hide the operator list (`b` shows it)
KIND = {"human": "Human", "baseline": "Baseline", "rl": "RL", "llm": "LLM", "vlm": "VLM"}


def describe(config: OperatorConfig) -> str:
    """`Random` / `Human` / `Cycling` ... for a single player; the types joined for teams."""
    players = []
    for assignment in config.workers.values():
        behavior = assignment.settings.get("behavior")
        players.append(str(behavior).title() if behavior else KIND[assignment.worker_type])
    return " + ".join(players)


FRAME_RATE = 30  # frames a second a pane paints at most ...
PAINTS_PER_SECOND = 160  # ... and all panes together: 16 panes paint 10 a second each
FULL_GRID_SLACK = 0.9  # a grid without empty cells wins if its frames are this big or more


def best_columns(panes: int, width: int, height: int) -> int:
    """The column count that gives each pane's (square-ish) frame the most pixels; but a
    grid with fewer empty cells wins over one whose frames are barely bigger (16 panes at
    200x60: 4x4, not 6x3 with two holes for one more pixel)."""
    grids = []
    for cols in range(1, max(panes, 1) + 1):
        rows = max(1, math.ceil(panes / cols))
        inner_w = (width - (cols - 1)) // cols - 2  # gutter, borders
        inner_h = height // rows - 2
        px = min(inner_w, 2 * inner_h)  # a cell is one pixel wide and two tall
        grids.append((px, rows * cols - panes, cols))
    most = max(px for px, _, _ in grids)
    near = [grid for grid in grids if grid[0] >= FULL_GRID_SLACK * most]
    _, _, cols = min(near, key=lambda grid: (grid[1], -grid[0], grid[2]))
    return cols


def frame_interval(panes: int) -> float:
    """Seconds between a pane's paints: 1/30 up to 5 panes, then longer, so that all of
    them together paint at most `PAINTS_PER_SECOND` frames a second. Operators still step
    at their pace (the status line says how fast); a pane shows the newest frame."""
    return max(1 / FRAME_RATE, panes / PAINTS_PER_SECOND)


def pane_status(
    episode: int,
    step: int,
    ret: float,
    state: str,
    steps_per_second: float,
    *,
    human: bool,
    awaiting_key: bool,
    holder: str | None = None,
    waiting: list[str] | None = None,
    then: list[str] | None = None,
    decisions: str = "",
    thinking: Sequence[str] = (),
) -> str:
    """The line at the top of a pane: progress, then frame rate, state or whose move.

    `holder` names the human who has the keyboard when several humans share it; `waiting`
    (simultaneous games) the AI players the coming step still waits for, and `then` the
    humans at the same keyboard whose turn comes next; `decisions` its
    LLM players' answers, after the progress: a narrow pane drops the progress first, then
    the answers, and keeps the rate or whose move it is (fit_status). `thinking`: AI players
    deciding for a while, said instead of the rate."""
    status = f"ep {episode + 1} · t {step} · R {ret:.2f}"
    if decisions:
        status += f" · {decisions}"
    if thinking:  # waiting on a slow player (an LLM's endpoint): not "0 steps/s"
        return status + f" · {', '.join(thinking)} thinking…"
    if human:  # a human sets the pace: say whose move it is, not a frame rate
        if awaiting_key:
            status += f" · {holder}'s move" if holder else " · your move"
        if then and awaiting_key:
            status += f" · then {', '.join(then)}"
        if waiting:
            status += f" · waiting for {', '.join(waiting)}"
        return status
    if state == "running":
        return status + f" · {steps_per_second:.0f} steps/s"  # (a fast stream paints only some)
    return status + f" · {state}"


def clean(text: str) -> str:
    """Text from a file or the form, safe for the terminal: control characters dropped."""
    return "".join(ch for ch in text if ch.isprintable())


def operator_name(config: OperatorConfig) -> str:
    """What the user called the operator (the form's Name, `name =` in a file), else its id."""
    return clean(config.display_name or "").strip() or config.operator_id


def pane_title(config: OperatorConfig) -> str:
    """A pane's border title (plain text: escape it before it meets markup)."""
    name, task = operator_name(config), clean(config.task)
    tag = host_tag(config)
    if tag:  # right after the name: a narrow pane cuts the title from the right
        name += f" {tag}"
    parts = [name, describe(config)] + ([] if task in name else [task])
    return " · ".join(parts)


def host_tag(config: OperatorConfig) -> str:
    """`@box` (`@box,gpu1`): where an operator's workers run, "" when all run here."""
    where = hosts_of(config)
    return "@" + ",".join(clean(h) for h in where) if where else ""


def hosts_of(config: OperatorConfig) -> list[str]:
    """The other machines an operator's workers run on (ssh), in order: its env's host, then
    any player's own (a player's "" is this machine)."""
    found = [config.host] if config.host else []
    for assignment in config.workers.values():
        own = assignment.host
        if own and own not in found and assignment.worker_type != "human":
            found.append(own)
    return found


def pace_text(pace: float | None) -> str:
    return "max" if pace is None else f"{pace:g}/s"


def fit_status(status: str, room: int) -> str:
    """A pane status line cut to `room` cells, dropping progress before whose move it is."""
    if len(status) <= room:
        return status
    parts = status.split(" · ")
    while len(parts) > 1 and len(" · ".join(parts)) > room:
        parts.pop(0)
    line = " · ".join(parts)
    return line if len(line) <= room else line[: max(room - 1, 0)] + "…"


def wrapped_lines(text: str, width: int) -> int:
    """Lines `text` takes wrapped at `width` columns (word wrap, as a Static wraps it)."""
    if not text:
        return 0
    if width < 1:
        return len(text.splitlines())
    return sum(len(textwrap.wrap(line, width)) or 1 for line in text.splitlines())


def whole_parts(text: str, width: int, lines: int) -> str:
    """A `keys · keys · keys` legend cut to the parts that fit in `lines` lines of `width`
    columns, so a short pane shows whole hints, never one cut off mid-sentence."""
    parts = text.split(" · ")
    while len(parts) > 1 and wrapped_lines(" · ".join(parts), width) > lines:
        parts.pop()
    return " · ".join(parts)


def board_room(
    height: int, width: int, board: int, note: str, box: bool, legend: str
) -> tuple[int, int, bool]:
    """What a board pane's extras may take so that the board's `board` lines show whole:
    (legend lines, note lines, move box without its border). `height` and `width` are the
    pane's inside; the status line takes one. The legend gives up lines first, then the
    note keeps one line, then the move box loses its border. On a pane too short even
    then, the board is cut: the extras keep what is left of those minimums."""
    note_lines, legend_lines = wrapped_lines(note, width), wrapped_lines(legend, width)
    free = height - 1 - board - note_lines - (3 if box else 0)
    if free >= legend_lines:
        return legend_lines, note_lines, False
    legend_lines = max(free, 0)
    free -= legend_lines
    if free < 0 and note_lines > 1:
        saved = min(note_lines - 1, -free)
        note_lines, free = note_lines - saved, free + saved
    return legend_lines, note_lines, box and free < 0
