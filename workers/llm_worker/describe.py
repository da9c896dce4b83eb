"""Observations in words, per family, for a model that reads text (as BALROG does for BabyAI).

A MiniGrid or BabyAI observation is a 7x7 egocentric grid of (object, colour, state) codes, the
agent's heading and the mission: as numbers, or as `array of shape [7, 7, 3]`, a language
model is blind. Here it reads like "a red ball 2 steps forward and 1 step left", "a closed
yellow door right ahead", "a wall 3 steps right", with what the agent carries. Toy text's state
number becomes a position with what is around it (FrozenLake's holes, CliffWalking's cliff,
Taxi's passenger); classic control's numbers get their names. MultiGrid (MOSAIC's and ini's)
share MiniGrid's codes, plus their own goals and zones, and show the other agents: each by
its team colour, said to be on your team or the other. Anything else is left to
`prompt.describe`.
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
#: Object codes MultiGrid adds to MiniGrid's 0-10 (mosaic-multigrid's Type enum, in order).
_MULTIGRID_OBJECTS = {11: "goal for the ball", 12: "switch", 13: "end zone"}
_GRIDS = ("MiniGrid-", "BabyAI-", "MosaicMultiGrid-", "MultiGrid-")


def describe_observation(
    game: str, observation: Any, settings: dict[str, Any] | None = None, team: str | None = None
) -> list[str] | None:
    """Lines of text for this observation, or None if the game has no description here.
    `settings` are the env's (a FrozenLake map); `team` the player's (a MultiGrid colour)."""
    state = _state_number(observation)
    if state is not None and game.startswith("FrozenLake"):
        return frozen_lake(state, settings or {})
    if state is not None and game.startswith("CliffWalking"):
        return cliff_walking(state)
    if state is not None and game.startswith("Taxi"):
        return taxi(state)
    if isinstance(observation, dict) and game.startswith(_GRIDS):
        image = observation.get("image")
        if isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3:
            mission = observation.get("mission")
            return gridworld(image, observation.get("direction"), mission, team)
    for prefix, names in NAMED.items():
        if game.startswith(prefix):
            values = np.asarray(observation, dtype=np.float64).ravel()
            if values.size == len(names):
                return [", ".join(f"{n} {v:.3f}" for n, v in zip(names, values, strict=True))]
    return None


def gridworld(
    image: np.ndarray, direction: Any, mission: Any, team: str | None = None
) -> list[str]:
    """MiniGrid's egocentric view in words. The view is image[x][y]; the agent stands at the
    bottom middle (x = width // 2, y = height - 1) looking up the grid."""
    from minigrid.core.constants import IDX_TO_COLOR, STATE_TO_IDX
    from minigrid.core.constants import IDX_TO_OBJECT as MINIGRID_OBJECTS

    IDX_TO_OBJECT = {**MINIGRID_OBJECTS, **_MULTIGRID_OBJECTS}  # noqa: N806
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
        if kind == "agent":  # another player (MultiGrid): by its team colour
            side = "" if not team else " of your team" if colour == team else " of the other team"
            return f"{colour} player{side}"
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


def _state_number(observation: Any) -> int | None:
    value = np.asarray(observation) if not isinstance(observation, dict) else None
    if value is None or value.size != 1 or not np.issubdtype(value.dtype, np.integer):
        return None
    return int(value.reshape(()))


_SIDES = (("left", 0, -1), ("right", 0, 1), ("up", -1, 0), ("down", 1, 0))


def _grid_around(rows: list[str], r: int, c: int, names: dict[str, str]) -> str:
    parts = []
    for side, dr, dc in _SIDES:
        rr, cc = r + dr, c + dc
        inside = 0 <= rr < len(rows) and 0 <= cc < len(rows[0])
        parts.append(f"{side}: {names.get(rows[rr][cc], 'frozen') if inside else 'the edge'}")
    return "; ".join(parts)


def frozen_lake(state: int, settings: dict[str, Any]) -> list[str] | None:
    from gymnasium.envs.toy_text.frozen_lake import MAPS

    desc = settings.get("desc") or MAPS.get(str(settings.get("map_name") or "4x4"))
    if not desc:
        return None  # a generated map: its holes are not in the observation
    rows = [row if isinstance(row, str) else "".join(row) for row in desc]
    width = len(rows[0])
    r, c = divmod(state, width)
    goal = next((i, row.index("G")) for i, row in enumerate(rows) if "G" in row)
    names = {"H": "a hole", "G": "the goal", "F": "frozen", "S": "frozen (the start)"}
    return [
        f"You are at row {r + 1}, column {c + 1} of a {len(rows)}x{width} frozen lake"
        f" (row 1 is the top); the goal is at row {goal[0] + 1}, column {goal[1] + 1}.",
        "Next to you: " + _grid_around(rows, r, c, names) + ".",
        "Holes: " + ", ".join(
            f"row {i + 1} column {j + 1}"
            for i, row in enumerate(rows) for j, cell in enumerate(row) if cell == "H"
        ) + ".",
    ]  # fmt: skip


def cliff_walking(state: int) -> list[str]:
    r, c = divmod(state, 12)
    return [
        f"You are at row {r + 1}, column {c + 1} of a 4x12 grid (row 1 is the top). You start"
        " at row 4, column 1; the goal is row 4, column 12; row 4, columns 2-11 are a cliff"
        " (stepping there costs 100 and sends you back to the start). Each step costs 1."
    ]


_TAXI_STOPS = ("R (row 1, column 1)", "G (row 1, column 5)", "Y (row 5, column 1)",
               "B (row 5, column 4)")  # fmt: skip


def taxi(state: int) -> list[str] | None:
    taxi_row, rest = divmod(state, 100)
    taxi_col, rest = divmod(rest, 20)
    passenger, destination = divmod(rest, 4)
    if taxi_row > 4 or passenger > 4:
        return None
    where = "in the taxi" if passenger == 4 else f"waiting at {_TAXI_STOPS[passenger]}"
    return [
        f"The taxi is at row {taxi_row + 1}, column {taxi_col + 1} of a 5x5 grid (row 1 is the"
        f" top). The passenger is {where}; the destination is {_TAXI_STOPS[destination]}."
    ]
