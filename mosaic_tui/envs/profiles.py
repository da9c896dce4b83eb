"""One profile per game or family: every fact the app knows about it, in one place.

Keys, legend, board drawing, move names, typed moves, named sides, the action labels Gymnasium
does not expose, the task the configure form picks, the form fields a game has, and the module
that registers its ids with Gymnasium. A profile says once which task ids it covers
(`prefixes`); `profile(task)` finds it. Adding a game means adding one `GameProfile` to
`PROFILES` (and, for a new board drawing, a renderer in the env worker's `boards.py` under the
profile's `board` name).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class KeyBinding:
    key: str  # a Textual key name: "left", "space", "enter", "d"
    action: str  # the action's label (see envs.actions)
    shown: str  # how the legend names the key


def ttt_cell(action: int) -> int:
    """The keypad number (1-9, row by row from the top) of tic-tac-toe action `action`.

    PettingZoo numbers its squares by column (action = column * 3 + row)."""
    column, row = divmod(action, 3)
    return row * 3 + column + 1


def ttt_action(cell: int) -> int:
    """The action that plays keypad cell `cell` (1-9): the inverse of `ttt_cell`."""
    row, column = divmod(cell - 1, 3)
    return column * 3 + row


@dataclass(frozen=True)
class GameProfile:
    """What the app knows about one game or family of tasks (all optional but `name`)."""

    name: str
    prefixes: tuple[str, ...]  # task ids starting with one of these are this game
    family: str = ""  # the catalog family the game belongs to ("" when the profile is generic)
    keys: tuple[KeyBinding, ...] = ()  # keys by action label; digits 1-9 pick actions anyway
    legend: str | None = None  # a fixed legend instead of one made from `keys`
    typed_legend: str | None = None  # set for games played by typing a move (chess, go)
    move_hint: str | None = None  # what a typed move looks like
    sides: dict[str, str] = field(default_factory=dict)  # seat -> the side it plays
    goal: bool = False  # single player wins by reaching a goal (positive return = got there)
    labels: tuple[str, ...] = ()  # action labels when the env's action enum is not readable
    board: str | None = None  # the env worker's text-board renderer and move naming scheme
    digit_action: Callable[[int], int] | None = None  # key 1-9 -> action, where not by number
    move_name: Callable[[int], str] | None = None  # how a human names a played action
    default_task: str | None = None  # the task the configure form picks for `family`
    form_fields: tuple[str, ...] = ()  # extra operator fields: "view_size", "observation_mode"
    registers: str | None = None  # the module whose import registers these ids with Gymnasium

    @property
    def typed(self) -> bool:
        return self.typed_legend is not None

    def matches(self, task: str) -> bool:
        return task.startswith(self.prefixes)


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
_PUSH = (KeyBinding("left", "push left", "←"), KeyBinding("right", "push right", "→"))

# The first profile whose prefix matches a task wins.
PROFILES: tuple[GameProfile, ...] = (
    GameProfile(
        "minigrid",
        ("MiniGrid-",),
        family="minigrid",
        keys=_ARROWS_TURN,
        goal=True,
        default_task="MiniGrid-Empty-8x8-v0",
        registers="minigrid",
    ),
    GameProfile(
        "babyai",
        ("BabyAI-",),
        family="babyai",
        keys=_ARROWS_TURN,
        goal=True,
        default_task="BabyAI-GoToRedBall-v0",
        registers="minigrid",
    ),
    GameProfile(
        "multigrid",
        ("MosaicMultiGrid-",),
        family="multigrid",
        keys=(*_ARROWS_TURN, KeyBinding("n", "noop", "n")),
        form_fields=("view_size", "observation_mode"),
        registers="mosaic_multigrid.envs",
    ),
    GameProfile(
        "frozenlake",
        ("FrozenLake",),
        family="toytext",
        keys=_ARROWS_MOVE,
        goal=True,
        labels=("left", "down", "right", "up"),
        default_task="FrozenLake-v1",
    ),
    GameProfile(
        "cliffwalking",
        ("CliffWalking",),
        family="toytext",
        keys=_ARROWS_MOVE,
        labels=("up", "right", "down", "left"),
    ),
    GameProfile(
        "taxi",
        ("Taxi",),
        family="toytext",
        keys=(
            KeyBinding("down", "south", "↓"),
            KeyBinding("up", "north", "↑"),
            KeyBinding("right", "east", "→"),
            KeyBinding("left", "west", "←"),
            KeyBinding("p", "pickup", "p"),
            KeyBinding("d", "dropoff", "d"),
        ),
        labels=("south", "north", "east", "west", "pickup", "dropoff"),
    ),
    GameProfile(
        "blackjack",
        ("Blackjack",),
        family="toytext",
        keys=(KeyBinding("s", "stick", "s"), KeyBinding("h", "hit", "h")),
        labels=("stick", "hit"),
    ),
    GameProfile(
        "cartpole",
        ("CartPole",),
        family="classic_control",
        keys=_PUSH,
        labels=("push left", "push right"),
        default_task="CartPole-v1",
    ),
    GameProfile(
        "mountaincar",
        ("MountainCar",),
        family="classic_control",
        keys=(_PUSH[0], KeyBinding("down", "no push", "↓"), _PUSH[1]),
        labels=("push left", "no push", "push right"),
    ),
    GameProfile(
        "acrobot",
        ("Acrobot",),
        family="classic_control",
        keys=(
            KeyBinding("left", "torque -1", "←"),
            KeyBinding("down", "torque 0", "↓"),
            KeyBinding("right", "torque +1", "→"),
        ),
        labels=("torque -1", "torque 0", "torque +1"),
    ),
    GameProfile(
        "lunarlander",
        ("LunarLander",),
        labels=("nothing", "left engine", "main engine", "right engine"),
    ),
    GameProfile(
        "tictactoe",
        ("tictactoe",),
        family="pettingzoo_classic",
        legend="1-9 play that cell, as on a phone keypad: 1 2 3 is the top row",
        sides={"player_1": "X", "player_2": "O"},
        board="tictactoe",
        digit_action=ttt_action,
        move_name=lambda action: str(ttt_cell(action)),
    ),
    GameProfile(
        "connect_four",
        ("connect_four",),
        family="pettingzoo_classic",
        legend="1-7 drop in that column",
        sides={"player_0": "●", "player_1": "○"},
        board="connect_four",
        move_name=lambda action: f"column {action + 1}",
    ),
    GameProfile(
        "chess",
        ("chess",),
        family="pettingzoo_classic",
        typed_legend="type a move, enter plays · e2e4 or Nf3 (→ completes) · v: frame · esc: list",
        move_hint="e2e4 or Nf3",
        sides={"player_0": "white", "player_1": "black"},
        board="chess",
    ),
    GameProfile(
        "go",
        ("go",),
        family="pettingzoo_classic",
        typed_legend="type D4 or pass, enter plays · v: frame · esc: list",
        move_hint="D4 or pass",
        sides={"black_0": "black", "white_0": "white"},
        board="go",
    ),
    GameProfile(
        "openspiel",
        ("OpenSpiel-",),
        family="openspiel",
        typed_legend="type a move, enter plays · as OpenSpiel names it (→ completes) · esc: list",
        move_hint="a move from the list",
        sides={"player_0": "first", "player_1": "second"},
        board="openspiel",
        default_task="OpenSpiel-tic_tac_toe",
    ),
    GameProfile(
        "ini_multigrid",
        ("MultiGrid-",),
        family="ini_multigrid",
        keys=_ARROWS_TURN,
        labels=("left", "right", "forward", "pickup", "drop", "toggle", "done"),
        default_task="MultiGrid-Empty-8x8-v0",
    ),
    GameProfile(
        "overcooked",
        ("Overcooked-",),
        family="overcooked",
        keys=(
            KeyBinding("up", "up", "↑"),
            KeyBinding("down", "down", "↓"),
            KeyBinding("right", "right", "→"),
            KeyBinding("left", "left", "←"),
            KeyBinding("s", "stay", "s"),
            KeyBinding("space", "interact", "space"),
        ),
        labels=("up", "down", "right", "left", "stay", "interact"),
        default_task="Overcooked-cramped_room",
    ),
    GameProfile(
        "rps",
        ("rps",),
        family="pettingzoo_classic",
        legend="1 rock  2 paper  3 scissors",
        labels=("rock", "paper", "scissors"),  # rps_v2's actions 0, 1, 2
    ),
)

# Tasks no profile covers: keys are digits by action number, moves their labels.
GENERIC = GameProfile("generic", ())


def profile(task: str) -> GameProfile:
    """The profile of this task, or the generic one."""
    return next((p for p in PROFILES if p.matches(task)), GENERIC)


def default_task(family: str, tasks: list[str]) -> str | None:
    """The task the configure form picks for `family` among its installed `tasks`."""
    return next(
        (p.default_task for p in PROFILES if p.family == family and p.default_task in tasks),
        None,
    )


def form_fields(family: str) -> set[str]:
    """The extra operator fields the games of a family have (MultiGrid: view size...)."""
    return {f for p in PROFILES if p.family == family for f in p.form_fields}
