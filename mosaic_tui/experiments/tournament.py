"""Tournament files: decision-makers and one two-player game; every pair plays both sides.

    name = "tic-tac-toe league"
    [tournament]
    env_name = "pettingzoo_classic"
    task = "tictactoe_v3"
    games = 20          # per pairing and side
    seed = 0            # every pairing plays seeds seed .. seed + games - 1
    [players.random]
    type = "baseline"
    behavior = "random"
    [players.ppo]
    type = "rl"
    policy_path = "policies/tictactoe_ppo.npz"

A tournament becomes an ordinary experiment (one operator per ordered pair, `a-vs-b`, `a`
in the first seat; operators run at once), so everything that runs, records, reports,
checks and resumes an experiment works on it. Its players and seats travel in the session's
meta; telemetry/standings.py turns the recorded games into a win/draw/loss matrix and ratings.
"""

from __future__ import annotations

from typing import Any

GAME_KEYS = {"env_name", "task", "games", "seed", "max_steps", "execution_mode", "env_settings"}


class TournamentError(ValueError):
    """A tournament table that cannot be played; `where` is the key, as ExperimentError's."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where, self.message = where, message


def is_tournament(data: dict[str, Any]) -> bool:
    return isinstance(data, dict) and "tournament" in data


def expand(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The experiment a tournament file plays, and what the session records about it."""
    table = data.get("tournament")
    if not isinstance(table, dict):
        raise TournamentError("tournament", "must be a table ([tournament])")
    unknown = sorted(set(table) - GAME_KEYS)
    if unknown:
        raise TournamentError(f"tournament.{unknown[0]}", f"unknown key (known: "
                              f"{', '.join(sorted(GAME_KEYS))})")  # fmt: skip
    for key in ("env_name", "task"):
        if not isinstance(table.get(key), str) or not table[key]:
            raise TournamentError(f"tournament.{key}", "is required (a text value)")
    players = data.get("players")
    if not isinstance(players, dict) or len(players) < 2:
        raise TournamentError("players", "name at least two decision-makers ([players.NAME])")
    for name, assignment in players.items():
        if not isinstance(assignment, dict):
            raise TournamentError(f"players.{name}", "must be a table (type = ..., settings)")
        if assignment.get("type") == "human":
            raise TournamentError(f"players.{name}.type", "a tournament plays itself: no humans")
        if "-vs-" in name:
            raise TournamentError(f"players.{name}", "a player's name may not contain '-vs-'")
    games = table.get("games", 10)
    if not isinstance(games, int) or isinstance(games, bool) or games < 1:
        raise TournamentError("tournament.games", "must be a whole number >= 1")
    seed = table.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise TournamentError("tournament.seed", "must be a whole number >= 0")
    seats = _seats(table["task"])
    operators = []
    names = list(players)
    for first in names:
        for second in names:
            if first == second:
                continue
            op: dict[str, Any] = {
                "id": f"{first}-vs-{second}",
                "name": f"{first} vs {second}",
                "env_name": table["env_name"],
                "task": table["task"],
                "workers": {seats[0]: dict(players[first]), seats[1]: dict(players[second])},
            }
            for key in ("max_steps", "execution_mode", "env_settings"):
                if key in table:
                    op[key] = table[key]
            operators.append(op)
    experiment = {
        "name": data.get("name", "tournament"),
        "execution": {"episodes": games, "seed": seed},
        "operators": operators,
    }
    about = {"players": names, "seats": seats, "task": table["task"], "games": games}
    return experiment, about


def _seats(task: str) -> list[str]:
    from mosaic_tui.envs import EnvError, player_slots

    try:
        slots = list(player_slots(task))
    except EnvError as exc:
        raise TournamentError("tournament.task", str(exc)) from None
    if len(slots) != 2:
        raise TournamentError(
            "tournament.task",
            f"{task} has {len(slots)} player(s) ({', '.join(slots)}); a tournament plays"
            " two-player games",
        )
    return slots
