"""Keys a human presses to play each game, and the legend shown under the pane.

Keys name actions by label, not index, so a map survives an env that reorders its actions;
`keymap` turns a game's bindings into key -> action index for a concrete env. The facts (which
keys, which legend, which sides) live in the game's profile (`envs.profiles`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mosaic_tui.envs.profiles import KeyBinding, profile, ttt_action, ttt_cell

_UCI = re.compile(r"^[a-h][1-8][a-h][1-8][qrbn]?$")

__all__ = [
    "GameKey",
    "KeyBinding",
    "bindings",
    "game_keys",
    "goal",
    "keymap",
    "legend",
    "move_hint",
    "move_name",
    "side",
    "ttt_action",
    "ttt_cell",
    "typed",
]


def typed(task: str) -> bool:
    """Whether this game is played by typing a move instead of pressing a key."""
    return profile(task).typed


def goal(task: str) -> bool:
    """Whether the single player wins by reaching a goal (a positive return means it got there)."""
    return profile(task).goal


def move_hint(task: str) -> str:
    """What a typed move looks like in this game."""
    return profile(task).move_hint or "a move"


def side(task: str, agent: str) -> str | None:
    """`X`, `white`, ... for this seat, or None for games without named sides."""
    return profile(task).sides.get(agent)


def move_name(
    task: str, action: Any, label: str | None = None, legal: dict[str, int] | None = None
) -> str:
    """How a human names a move: the name it had among the `legal` moves by name (chess:
    SAN `Nf3` rather than UCI `g1f3`), else the cell or column they would press, else its
    action label."""
    found = [n for n, a in (legal or {}).items() if a == action]
    if found:
        return min(found, key=lambda n: (_UCI.match(n) is not None, len(n)))
    if not isinstance(action, int):
        return repr(action)
    name = profile(task).move_name
    if name is not None:
        return name(action)
    return label if label is not None else str(action)


def keymap(task: str, labels: list[str]) -> dict[str, int]:
    """Key name -> action index for this task; digits 1-9 always pick actions by number
    (tic-tac-toe: by cell, read row by row like a keypad)."""
    game = profile(task)
    if game.typed:
        return {}
    if game.digit_action is not None:
        return {str(digit): game.digit_action(digit) for digit in range(1, 10)}
    keys = {str(i + 1): i for i in range(min(9, len(labels)))}
    for binding in game.keys:
        if binding.action in labels:
            keys[binding.key] = labels.index(binding.action)
    return keys


@dataclass(frozen=True)
class GameKey:
    """One key of a game as the focused pane binds it: what it plays and how the footer says so."""

    key: str  # a Textual key name
    action: int  # the action index it plays
    description: str  # what it does, for the footer and the Keys panel
    shown: bool  # in the footer (the named keys; digits only where they are the game's keys)
    key_display: str | None = None  # how the footer names the key (`←`, `1-9`)


# What the digits do, in one footer entry, for games played by number.
_DIGITS_DO = {"tictactoe": "play that cell", "connect_four": "drop in that column"}


def game_keys(task: str, labels: list[str]) -> list[GameKey]:
    """Every key of `keymap`, described, the game's named keys first (shown in the footer);
    the digits are one footer entry (`1-9 play that cell`) where they are the only keys."""
    game = profile(task)
    keys = keymap(task, labels)
    named = [b for b in game.keys if b.key in keys]
    found = [
        GameKey(b.key, keys[b.key], b.action, True, None if b.shown == b.key else b.shown)
        for b in named
    ]
    digits = [k for k in keys if k.isdigit() and k not in {b.key for b in named}]
    if not digits:
        return found
    summary = _DIGITS_DO.get(game.name) or (
        "/".join(labels[: len(digits)]) if len(digits) <= 4 else "play by number"
    )
    for key in digits:
        action = keys[key]
        if game.digit_action is not None:
            what = f"cell {key}"
        else:
            what = labels[action] if action < len(labels) else f"action {action}"
        if key == digits[0] and not named:  # the one entry that speaks for all the digits
            span = f"{key}-{digits[-1]}" if len(digits) > 1 else key
            found.append(GameKey(key, action, summary, True, span))
        else:
            found.append(GameKey(key, action, what, False))
    return found


def bindings(task: str) -> tuple[KeyBinding, ...]:
    return profile(task).keys


def legend(task: str, labels: list[str]) -> str:
    """One line such as `← left  → right  ↑ forward  space pickup`."""
    game = profile(task)
    if game.typed_legend is not None:
        return game.typed_legend
    if game.legend:
        return game.legend
    shown = [f"{b.shown} {b.action}" for b in game.keys if b.action in labels]
    if not shown:
        shown = [f"{i + 1} {label}" for i, label in enumerate(labels[:9])]
    return "  ".join(shown)
