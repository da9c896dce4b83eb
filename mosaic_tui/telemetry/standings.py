"""A tournament's results: who beat whom (a win/draw/loss matrix over both sides) and ratings
with their uncertainty, from OpenSkill's Plackett-Luce model (the games in the order they were
played, operator by operator, episode by episode; a draw is a shared rank).

A game's winner is the seat with the higher return in the episode's per-player rewards; equal
returns are a draw. Everything comes from the session's episodes and its meta (`tournament`:
players and seats, written by experiments/tournament.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mosaic_tui.telemetry.store import TelemetryStore


@dataclass
class Record:
    wins: int = 0
    draws: int = 0
    losses: int = 0

    @property
    def games(self) -> int:
        return self.wins + self.draws + self.losses


@dataclass(frozen=True)
class Rating:
    player: str
    mu: float
    sigma: float

    @property
    def ordinal(self) -> float:
        """mu - 3 sigma: a rating the player is very likely above (how OpenSkill ranks)."""
        return self.mu - 3 * self.sigma


@dataclass
class Standings:
    players: list[str]
    matrix: dict[str, dict[str, Record]]  # row player's record against the column player
    ratings: list[Rating] = field(default_factory=list)  # best first
    unfinished: list[str] = field(default_factory=list)  # pairings with missing games


def standings(store: TelemetryStore, session_id: str, about: dict[str, Any]) -> Standings:
    players = [str(p) for p in about.get("players", [])]
    seats = [str(s) for s in about.get("seats", [])]
    games = int(about.get("games", 0))
    matrix = {a: {b: Record() for b in players if b != a} for a in players}
    results: list[tuple[str, str, int]] = []  # (first seat's player, second's, outcome)
    unfinished = []
    for run in store.runs(session_id):
        first, _, second = run.operator_id.partition("-vs-")
        if first not in matrix or second not in matrix or len(seats) != 2:
            continue
        played = 0
        for _, _, _, _, rewards, _, _ in store.iter_episode_stats(run.run_id):
            mine = float((rewards or {}).get(seats[0], 0.0))
            theirs = float((rewards or {}).get(seats[1], 0.0))
            outcome = (mine > theirs) - (mine < theirs)
            results.append((first, second, outcome))
            _tally(matrix, first, second, outcome)
            played += 1
        if played < games:
            unfinished.append(f"{run.operator_id}: {played} of {games} games")
    return Standings(players, matrix, _ratings(players, results), unfinished)


def _tally(matrix: dict[str, dict[str, Record]], a: str, b: str, outcome: int) -> None:
    ours, theirs = matrix[a][b], matrix[b][a]
    if outcome > 0:
        ours.wins += 1
        theirs.losses += 1
    elif outcome < 0:
        ours.losses += 1
        theirs.wins += 1
    else:
        ours.draws += 1
        theirs.draws += 1


def _ratings(players: list[str], results: list[tuple[str, str, int]]) -> list[Rating]:
    from openskill.models import PlackettLuce  # imported here: `--help` stays fast

    model = PlackettLuce()
    current = {name: model.rating(name=name) for name in players}
    for a, b, outcome in results:
        ranks = [1, 2] if outcome > 0 else [2, 1] if outcome < 0 else [1, 1]
        [[current[a]], [current[b]]] = model.rate([[current[a]], [current[b]]], ranks=ranks)
    found = [Rating(name, float(r.mu), float(r.sigma)) for name, r in current.items()]
    return sorted(found, key=lambda r: r.ordinal, reverse=True)
