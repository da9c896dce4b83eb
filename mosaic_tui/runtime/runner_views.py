"""What an operator's runner says about its seats and its episode, read by the app and the
steppers: whose turn, which keys are legal, what the pane shows. No worker is asked: all of it
comes from the last answers the runner kept (`Episode`).

`RunnerViews` is the read-only half of `OperatorRunner` (runner.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mosaic_tui.core import OperatorConfig
from mosaic_tui.envs.keymaps import move_name
from mosaic_tui.runtime.episode import Episode, Table
from mosaic_tui.runtime.events import EpisodeEnded
from mosaic_tui.runtime.players import HumanPlayer, Player

if TYPE_CHECKING:
    from mosaic_tui.protocol import Init
    from mosaic_tui.runtime.stepping import Stepper

LEGAL_SHOWN = 8  # legal moves named when a key is refused (chess has dozens)


class RunnerViews:
    config: OperatorConfig
    players: dict[str, Player]
    agent: str
    table: Table
    now: Episode
    stepper: Stepper
    env: Init | None

    # ------------------------------------------------------------------ seats

    @property
    def player(self) -> Player:
        """The first player (the only one in a single-agent operator)."""
        return self.players[self.agent]

    @property
    def humans(self) -> list[str]:
        """The seats a human plays, in seat order."""
        return [a for a, p in self.players.items() if isinstance(p, HumanPlayer)]

    @property
    def self_driving(self) -> bool:
        """Every seat is played by the env worker's own baseline."""
        return all(p.self_driving for p in self.players.values())

    @property
    def simultaneous(self) -> bool:
        return self.table.simultaneous

    @property
    def to_move(self) -> str:
        """Whose decision the next step needs (the keyboard's holder, in simultaneous games)."""
        return self.now.to_move

    @property
    def human_to_move(self) -> bool:
        """A human's key makes the next step (never once the episode is over)."""
        return not self.now.over and isinstance(self.players.get(self.now.to_move), HumanPlayer)

    @property
    def waiting_for(self) -> list[str]:
        """Players whose choice the coming step still needs."""
        return self.stepper.waiting_for

    @property
    def holds_end(self) -> bool:
        """Humans sit here: a finished episode stays on screen until one of them presses a
        key (operators without humans go straight on)."""
        return bool(self.humans)

    @property
    def labels(self) -> list[str]:
        return (self.env.action_labels or []) if self.env else []

    @property
    def action_mask(self) -> list[int] | None:
        """Which actions are legal now (None: all of them)."""
        return self.now.mask

    def legal_now(self, action: Any) -> bool:
        mask = self.now.mask
        return (
            isinstance(action, int)
            and 0 <= action < max(len(self.labels), 1)
            and (mask is None or (action < len(mask) and bool(mask[action])))
        )

    def labels_cover(self, action: Any) -> bool:
        return isinstance(action, int) and 0 <= action < len(self.labels)

    def label(self, action: Any) -> str:
        return self.labels[action] if self.labels_cover(action) else repr(action)

    # ------------------------------------------------------------------ the episode, read

    @property
    def episode(self) -> int:
        return self.now.index

    @property
    def seed(self) -> int | None:
        return self.now.seed

    @property
    def step_index(self) -> int:
        return self.now.step_index

    @property
    def episode_return(self) -> float:
        return self.now.total_return

    @property
    def episode_over(self) -> bool:
        return self.now.over

    @property
    def returns(self) -> dict[str, float]:
        return self.now.returns

    @property
    def moves(self) -> dict[str, int] | None:
        return self.now.moves

    @property
    def board(self) -> list[str] | None:
        return self.now.board

    @property
    def last_end(self) -> EpisodeEnded | None:
        return self.now.ended

    @property
    def shown_return(self) -> float:
        """The return a pane shows: the human's own when one human plays a multi-agent game
        (the sum of a zero-sum game is always 0), else the episode's total."""
        humans = self.humans
        if len(self.players) > 1 and len(humans) == 1:
            return self.now.returns.get(humans[0], 0.0)
        return self.now.total_return

    @property
    def last_moves(self) -> list[tuple[str, str]]:
        """Who played what in the last step, named as a human would type or press it."""
        names = self.now.played_from
        return [(agent, self.name_of(action, names)) for agent, action in self.now.played.items()]

    def refused(self, action: Any, who: str | None = None) -> str:
        """Why a key is not played now, and a few of the moves that are (`5 is not allowed
        now; legal: 1, 3, 7`): the human sees what to press instead."""
        text = f"{self.name_of(action)} is not allowed{f' for {who}' if who else ''} now"
        mask = self.now.mask if who is None else (self.now.masks or {}).get(who)
        names = sorted((self.name_of(a) for a, ok in enumerate(mask or ()) if ok),
                       key=lambda n: (len(n), n))  # 1, 2, … 10 as people count  # fmt: skip
        legal = names[: LEGAL_SHOWN + 1]
        if legal:
            more = ", …" if len(legal) > LEGAL_SHOWN else ""
            text += f"; legal: {', '.join(legal[:LEGAL_SHOWN])}{more}"
        return text

    def name_of(self, action: Any, names: dict[str, int] | None = None) -> str:
        """A move as a human names it: `Nf3`, `5` (a tic-tac-toe cell), `forward`; `names`
        are the legal moves by name it was chosen from (default: the current ones)."""
        legal = self.now.moves if names is None else names
        return move_name(self.config.task, action, self.label(action), legal)
