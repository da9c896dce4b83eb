"""What a decision worker accepts, checked before it acts, so bad input is an `error` answer
naming the field and never a crash, a hang or gigabytes of memory (docs/protocol.md, Limits).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mosaic_tui.protocol.messages import SelectAction

MAX_ACTIONS = 100_000  # actions in one player's space (chess: 4,672)
MAX_DEPTH = 32  # nesting of an observation (dicts and lists inside each other)
MAX_SEED = 2**64 - 1  # numpy seeds are whole numbers in [0, 2**64)


class BadCommand(ValueError):
    """A command a worker refuses; the message names the field and what it must be."""


def action_count(action_space: dict[str, Any], labels: list[Any]) -> int:
    """The number of actions `init_agent` gives, checked: a whole number in [1, MAX_ACTIONS]."""
    n = action_space.get("n", len(labels))
    if not _whole(n) or not 1 <= n <= MAX_ACTIONS:
        raise BadCommand(
            f"action_space.n must be a whole number from 1 to {MAX_ACTIONS}, got {n!r:.60}"
        )
    return n


def seed(value: Any) -> int | None:
    if value is None:
        return None
    if not _whole(value) or not 0 <= value <= MAX_SEED:
        raise BadCommand(f"seed must be a whole number from 0 to 2**64-1, got {value!r:.60}")
    return value


def action_mask(mask: Any, n: int) -> list[int] | None:
    """A flat list of 0/1 (or true/false) entries, one per action of the `n` init_agent gave
    (a short mask would leave actions unsaid, a long one name actions there are not)."""
    if mask is None:
        return None
    if not isinstance(mask, list) or len(mask) > MAX_ACTIONS:
        raise BadCommand(f"action_mask must be a list of at most {MAX_ACTIONS} entries")
    if not all(type(v) in (int, bool) and v in (0, 1) for v in mask):
        bad = next(v for v in mask if not (type(v) in (int, bool) and v in (0, 1)))
        raise BadCommand(f"action_mask entries must be 0 or 1, got {bad!r:.60}")
    if len(mask) != n:
        raise BadCommand(
            f"action_mask has {len(mask)} entries; this player has {n} actions (init_agent's"
            f" action_space.n): send one 0/1 entry per action"
        )
    return [int(v) for v in mask]


def select_action(cmd: SelectAction, n: int) -> list[int] | None:
    """Every decision worker's check of a `select_action` for a player of `n` actions, in one
    place so the workers cannot differ: the observation's depth, the move names, the mask
    (returned). BadCommand names the first field at fault."""
    depth("observation", cmd.observation)
    moves(cmd.moves)
    return action_mask(cmd.action_mask, n)


def strings(name: str, value: Any, limit: int = MAX_ACTIONS) -> list[str] | None:
    """A list of text (labels, board lines) that can be written as UTF-8."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > limit:
        raise BadCommand(f"{name} must be a list of at most {limit} strings")
    for item in value:
        text(name, item)
    return value


def text(name: str, value: Any) -> str:
    """A string that can be written as UTF-8 (no lone surrogate such as \\ud800)."""
    if not isinstance(value, str):
        raise BadCommand(f"{name} must hold strings, got {type(value).__name__} {value!r:.60}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadCommand(f"{name} holds text that is not valid Unicode: {value!r:.60}") from None
    return value


def moves(value: Any) -> dict[str, int] | None:
    """Move name -> action (a whole number the env checks when it is played)."""
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > MAX_ACTIONS:
        raise BadCommand(f"moves must be an object of at most {MAX_ACTIONS} names")
    for name, action in value.items():
        text("moves", name)
        if not _whole(action) or not 0 <= action < MAX_ACTIONS:
            raise BadCommand(f"moves[{name!r:.40}] must be an action from 0 to {MAX_ACTIONS - 1}")
    return value


def depth(name: str, value: Any, limit: int = MAX_DEPTH) -> Any:
    """`value` itself, if its dicts and lists nest at most `limit` deep (checked without
    recursion, so a 500-deep value cannot exhaust the stack)."""
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if level >= limit:
            raise BadCommand(f"{name} is nested more than {limit} deep")
        stack.extend((child, level + 1) for child in children)
    return value


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
