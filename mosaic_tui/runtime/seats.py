"""Who sits where and what they may do now: the players of a runner, whose move it is,
which actions are legal. A mixin of `OperatorRunner`, which keeps these up to date.
"""

from __future__ import annotations

from typing import Any

from mosaic_tui.runtime.players import HumanPlayer, Player


class Seats:
    """Read-only views of a runner's seats (see `OperatorRunner`)."""

    @property
    def player(self) -> Player:
        """The first player (the only one in a single-agent operator)."""
        return self.players[self.agent]

    @property
    def to_move(self) -> str:
        """Whose decision the next step needs (turn-based games); the agent otherwise."""
        return self._to_move

    @property
    def human_to_move(self) -> bool:
        """A human's key makes the next step (never once the episode is over)."""
        return not self.episode_over and isinstance(self.players.get(self._to_move), HumanPlayer)

    @property
    def humans(self) -> list[str]:
        """The seats a human plays, in seat order."""
        return [a for a, p in self.players.items() if isinstance(p, HumanPlayer)]

    @property
    def holds_end(self) -> bool:
        """Humans sit here: the play loop keeps a finished episode on screen until one of
        them presses a key (operators without humans go straight on)."""
        return bool(self.humans)

    @property
    def shown_return(self) -> float:
        """The return a pane shows: the human's own when one human plays a multi-agent game
        (the sum of a zero-sum game is always 0), else the episode's total."""
        humans = self.humans
        if len(self.players) > 1 and len(humans) == 1:
            return self.returns.get(humans[0], 0.0)
        return self.episode_return

    @property
    def self_driving(self) -> bool:
        """Every seat is played by the env worker's own baseline."""
        return all(p.self_driving for p in self.players.values())

    def legal_now(self, action: Any) -> bool:
        mask = self._mask
        return (
            isinstance(action, int)
            and 0 <= action < max(len(self.labels), 1)
            and (mask is None or (action < len(mask) and bool(mask[action])))
        )

    def _label(self, action: Any) -> str:
        labels = self.labels
        return (
            labels[action]
            if isinstance(action, int) and 0 <= action < len(labels)
            else (repr(action))
        )

    @property
    def labels(self) -> list[str]:
        return (self.env.action_labels or []) if self.env else []

    @property
    def action_mask(self) -> list[int] | None:
        """Which actions are legal now (None: all of them)."""
        return self._mask
