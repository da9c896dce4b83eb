"""Observations in words, per family, for a model that reads text (as BALROG does for BabyAI).

A MiniGrid or BabyAI observation is a 7x7 egocentric grid of (object, colour, state) codes, the
agent's heading and the mission: as numbers, or as `array of shape [7, 7, 3]`, a language
model is blind. Here it reads like "a red ball 2 steps forward and 1 step left", "a closed
yellow door right ahead", "a wall 3 steps right", with what the agent carries. Classic-control
observations get their quantities' names. Anything else is left to `prompt.describe`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

HEADINGS = ("east", "south", "west", "north")  # MiniGrid's direction 0-3
#: Classic-control observations: the name of each number, in order.
NAMED = {
    "CartPole": ("cart position", "cart velocity", "pole angle (rad)", "pole angular velocity"),
    "MountainCar": ("car position", "car velocity"),
    "Acrobot": (
        "cos(joint 1)",
        "sin(joint 1)",
        "cos(joint 2)",
        "sin(joint 2)",
        "joint 1 angular velocity",
        "joint 2 angular velocity",
    ),
}
_BACKGROUND = {"unseen", "empty", "floor", "wall"}


def describe_observation(game: str, observation: Any) -> list[str] | None:
    """Lines of text for this observation, or None if the game has no description here."""
    if isinstance(observation, dict) and game.startswith(("MiniGrid-", "BabyAI-")):
        image = observation.get("image")
        if isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3:
            return gridworld(image, observation.get("direction"), observation.get("mission"))
    for prefix, names in NAMED.items():
        if game.startswith(prefix):
            values = np.asarray(observation, dtype=np.float64).ravel()
            if values.size == len(names):
                return [", ".join(f"{n} {v:.3f}" for n, v in zip(names, values, strict=True))]
    return None


def gridworld(image: np.ndarray, direction: Any, mission: Any) -> list[str]:
    """MiniGrid's egocentric view in words. The view is image[x][y]; the agent stands at the
    bottom middle (x = width // 2, y = height - 1) looking up the grid."""
    from minigrid.core.constants import IDX_TO_COLOR, IDX_TO_OBJECT, STATE_TO_IDX

    states = {index: name for name, index in STATE_TO_IDX.items()}
    width, height = image.shape[:2]
    me_x, me_y = width // 2, height - 1

    def name(x: int, y: int) -> str:
        kind = IDX_TO_OBJECT.get(int(image[x, y, 0]), "unknown")
        colour = IDX_TO_COLOR.get(int(image[x, y, 1]), "")
        if kind == "door":
            return f"{states.get(int(image[x, y, 2]), '')} {colour} door".strip()
        if kind in ("key", "ball", "box"):
            return f"{colour} {kind}"
        return kind

    def where(x: int, y: int) -> str:
        ahead, side = me_y - y, x - me_x
        parts = []
        if ahead:
            parts.append(f"{ahead} step{'s' if ahead > 1 else ''} forward")
        if side:
            n = abs(side)
            parts.append(f"{n} step{'s' if n > 1 else ''} {'right' if side > 0 else 'left'}")
        return " and ".join(parts)

    lines = []
    if isinstance(mission, str) and mission:
        lines.append(f"Mission: {mission}.")
    if isinstance(direction, (int, np.integer)) and 0 <= int(direction) < 4:
        lines.append(f"You face {HEADINGS[int(direction)]}.")
    carried = IDX_TO_OBJECT.get(int(image[me_x, me_y, 0]), "")
    if carried not in ("", "empty", "unseen", "agent"):
        lines.append(f"You carry a {name(me_x, me_y)}.")
    front = name(me_x, me_y - 1)
    seen = []
    for y in range(height - 1, -1, -1):  # nearest first
        for x in range(width):
            if (x, y) == (me_x, me_y):
                continue
            kind = IDX_TO_OBJECT.get(int(image[x, y, 0]), "unknown")
            if kind not in _BACKGROUND:
                seen.append(f"a {name(x, y)} {where(x, y)}")
    walls = []
    for label, cells in (
        ("forward", [(me_x, y) for y in range(me_y - 1, -1, -1)]),
        ("left", [(x, me_y) for x in range(me_x - 1, -1, -1)]),
        ("right", [(x, me_y) for x in range(me_x + 1, width)]),
    ):
        for steps, (x, y) in enumerate(cells, start=1):
            kind = IDX_TO_OBJECT.get(int(image[x, y, 0]), "unknown")
            if kind == "wall":
                walls.append(f"a wall {steps} step{'s' if steps > 1 else ''} {label}")
            if kind not in ("empty", "floor"):
                break
    ahead = "nothing" if front in _BACKGROUND - {"wall"} else f"a {front}"
    lines.append(f"Right in front of you: {ahead}.")
    lines.append("You see " + ("; ".join(seen) if seen else "no objects") + ".")
    if walls:
        lines.append("Walls: " + "; ".join(walls) + ".")
    return lines
