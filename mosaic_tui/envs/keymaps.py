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
    "chess": "tab to the move box, type e2e4 or Nf3 (→ completes), enter plays · v: frame",
    "go": "tab to the move box, type a point (D4) or pass, enter plays · v: frame",
}
# Legends for games whose keys are digits naming a square or a column.
LEGENDS = {
    "tictactoe": "1-9 play that cell (numbers on the board)",
    "connect_four": "1-7 drop in that column",
    "rps": "1 rock  2 paper  3 scissors",
}


def typed(task: str) -> bool:
    return task.startswith(TYPED)


def keymap(task: str, labels: list[str]) -> dict[str, int]:
    """Key name -> action index for this task; digits 1-9 always pick actions by number."""
    if typed(task):
        return {}
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
