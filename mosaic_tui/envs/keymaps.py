"""Keys a human presses to play each family, and the legend shown under the pane.

Keys name actions by label, not index, so a map survives an env that reorders its actions;
`resolve` turns a map into key -> action index for a concrete env.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KeyBinding:
    key: str  # a Textual key name: "left", "space", "enter", "d"
    action: str  # the action's label (see envs.actions)
    shown: str  # how the legend names the key


_ARROWS_TURN = (
    KeyBinding("left", "left", "←"),
    KeyBinding("right", "right", "→"),
    KeyBinding("up", "forward", "↑"),
    KeyBinding("space", "pickup", "space"),
    KeyBinding("d", "drop", "d"),
    KeyBinding("t", "toggle", "t"),
    KeyBinding("enter", "done", "enter"),
)
_ARROWS_MOVE = (
    KeyBinding("left", "left", "←"),
    KeyBinding("right", "right", "→"),
    KeyBinding("up", "up", "↑"),
    KeyBinding("down", "down", "↓"),
)

# By task-id prefix; the first prefix that matches wins.
KEYMAPS: dict[str, tuple[KeyBinding, ...]] = {
    "MiniGrid-": _ARROWS_TURN,
    "BabyAI-": _ARROWS_TURN,
    "MosaicMultiGrid-": (*_ARROWS_TURN, KeyBinding("n", "noop", "n")),
    "FrozenLake": _ARROWS_MOVE,
    "CliffWalking": _ARROWS_MOVE,
    "Taxi": (
        KeyBinding("down", "south", "↓"),
        KeyBinding("up", "north", "↑"),
        KeyBinding("right", "east", "→"),
        KeyBinding("left", "west", "←"),
        KeyBinding("p", "pickup", "p"),
        KeyBinding("d", "dropoff", "d"),
    ),
    "CartPole": (KeyBinding("left", "push left", "←"), KeyBinding("right", "push right", "→")),
    "MountainCar": (
        KeyBinding("left", "push left", "←"),
        KeyBinding("down", "no push", "↓"),
        KeyBinding("right", "push right", "→"),
    ),
    "Acrobot": (
        KeyBinding("left", "torque -1", "←"),
        KeyBinding("down", "torque 0", "↓"),
        KeyBinding("right", "torque +1", "→"),
    ),
    "Blackjack": (KeyBinding("s", "stick", "s"), KeyBinding("h", "hit", "h")),
}


# Games played by typing a move instead of pressing a key.
TYPED = ("chess", "go")
TYPED_LEGENDS = {
    "chess": "type a move (e2e4 or Nf3; → completes), enter plays · v: frame · esc: list",
    "go": "type a point (D4) or pass, enter plays · v: frame · esc: list",
}
MOVE_HINTS = {"chess": "e2e4 or Nf3", "go": "D4 or pass"}
# Legends for games whose keys are digits naming a square or a column.
LEGENDS = {
    "tictactoe": "1-9 play that cell, as on a phone keypad: 1 2 3 is the top row",
    "connect_four": "1-7 drop in that column",
    "rps": "1 rock  2 paper  3 scissors",
}


# Which side each seat plays, named the way players of the game say it.
SIDES = {
    "tictactoe": {"player_1": "X", "player_2": "O"},
    "chess": {"player_0": "white", "player_1": "black"},
    "connect_four": {"player_0": "●", "player_1": "○"},
    "go": {"black_0": "black", "white_0": "white"},
}
# Tasks whose single player wins by reaching a goal (a positive return means it got there).
GOAL_TASKS = ("MiniGrid-", "BabyAI-", "FrozenLake")


def typed(task: str) -> bool:
    return task.startswith(TYPED)


def move_hint(task: str) -> str:
    """What a typed move looks like in this game."""
    return next((h for prefix, h in MOVE_HINTS.items() if task.startswith(prefix)), "a move")


def side(task: str, agent: str) -> str | None:
    """`X`, `white`, ... for this seat, or None for games without named sides."""
    sides = next((s for prefix, s in SIDES.items() if task.startswith(prefix)), {})
    return sides.get(agent)


def ttt_cell(action: int) -> int:
    """The keypad number (1-9, row by row from the top) of tic-tac-toe action `action`.

    PettingZoo numbers its squares by column (action = column * 3 + row)."""
    column, row = divmod(action, 3)
    return row * 3 + column + 1


def ttt_action(cell: int) -> int:
    """The action that plays keypad cell `cell` (1-9): the inverse of `ttt_cell`."""
    row, column = divmod(cell - 1, 3)
    return column * 3 + row


def move_name(task: str, action: int, label: str | None = None) -> str:
    """How a human names a move that was played: the cell or column they would press."""
    if task.startswith("tictactoe"):
        return str(ttt_cell(action))
    if task.startswith("connect_four"):
        return f"column {action + 1}"
    return label if label is not None else str(action)


def keymap(task: str, labels: list[str]) -> dict[str, int]:
    """Key name -> action index for this task; digits 1-9 always pick actions by number
    (tic-tac-toe: by cell, read row by row like a keypad)."""
    if typed(task):
        return {}
    if task.startswith("tictactoe"):
        return {str(cell): ttt_action(cell) for cell in range(1, 10)}
    keys = {str(i + 1): i for i in range(min(9, len(labels)))}
    for binding in bindings(task):
        if binding.action in labels:
            keys[binding.key] = labels.index(binding.action)
    return keys


def bindings(task: str) -> tuple[KeyBinding, ...]:
    return next((m for prefix, m in KEYMAPS.items() if task.startswith(prefix)), ())


def legend(task: str, labels: list[str]) -> str:
    """One line such as `← left  → right  ↑ forward  space pickup`."""
    if typed(task):
        return next(text for prefix, text in TYPED_LEGENDS.items() if task.startswith(prefix))
    special = next((text for prefix, text in LEGENDS.items() if task.startswith(prefix)), None)
    if special:
        return special
    shown = [f"{b.shown} {b.action}" for b in bindings(task) if b.action in labels]
    if not shown:
        shown = [f"{i + 1} {label}" for i, label in enumerate(labels[:9])]
    return "  ".join(shown)
