"""The state of one episode, with one owner (its runner) and one way to change it.

`Episode.begin` builds it from the env worker's `ready`, `advance` folds in a `step` result and
`finish` closes it. They are plain functions of the messages, so a test can drive an episode
without any process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mosaic_tui.protocol import Frame, Ready, StepResult, legal_mask
from mosaic_tui.runtime.events import EpisodeEnded


@dataclass(frozen=True, slots=True)
class Table:
    """What an episode needs to know about its seats: fixed for the life of a runner."""

    agents: tuple[str, ...]  # seat order; the first acts when the env names nobody
    humans: frozenset[str] = frozenset()
    n_actions: int = 0
    simultaneous: bool = False


@dataclass
class Episode:
    """Where one episode stands. Before the first reset: index -1, over."""

    index: int = -1
    seed: int | None = None
    step_index: int = 0
    total_return: float = 0.0
    returns: dict[str, float] = field(default_factory=dict)  # each player's own
    over: bool = True
    to_move: str = "agent"  # whose decision the next step needs (whose key, if human)
    mask: list[int] | None = None  # legal actions of `to_move` (None: all)
    masks: dict[str, list[int]] | None = None  # simultaneous: each live agent's
    live: list[str] = field(default_factory=list)  # simultaneous: who acts in the next step
    observation: Any = None
    moves: dict[str, int] | None = None  # board games: legal moves by name
    board: list[str] | None = None  # board games: the position as text
    frame: Frame | None = None  # the latest picture (what a VLM player is shown)
    played: dict[str, Any] = field(default_factory=dict)  # the last step's actions by agent
    played_from: dict[str, int] | None = None  # the legal moves they were chosen from
    started_at: float = 0.0
    ended: EpisodeEnded | None = None  # how it ended, once over

    @classmethod
    def begin(cls, ready: Ready, table: Table, *, index: int, at: float) -> Episode:
        episode = cls(
            index=index,
            seed=ready.seed,
            over=False,
            returns=dict.fromkeys(table.agents, 0.0),
            live=list(table.agents),
            started_at=at,
        )
        episode._follow(ready, table)
        return episode

    def advance(self, result: StepResult, table: Table) -> str:
        """Fold in a step result; returns who moved."""
        self.step_index = result.step_index
        self.total_return = result.episode_return
        mover = result.agent or table.agents[0]
        if result.rewards is not None:
            for agent, reward in result.rewards.items():
                self.returns[agent] = self.returns.get(agent, 0.0) + reward
        else:
            self.returns[mover] = result.episode_return
        self.played = result.actions or {mover: result.action}
        self.played_from = self.moves  # replaced just below by the new position's moves
        self._follow(result, table)
        return mover

    def finish(self, ended: EpisodeEnded) -> None:
        self.over = True
        self.ended = ended

    def hand_keyboard_to(self, agent: str) -> None:
        """Simultaneous games: the next key answers this human; legality follows their mask."""
        self.to_move = agent
        self.mask = (self.masks or {}).get(agent)

    def _follow(self, message: Ready | StepResult, table: Table) -> None:
        self.mask = legal_mask(message, table.n_actions)
        self.observation = message.observation
        self.to_move = message.agent_to_move or table.agents[0]
        self.moves, self.board = message.moves, message.board
        if message.frame is not None:
            self.frame = message.frame
        if table.simultaneous and message.agents is not None:
            self.live, self.masks = list(message.agents), message.action_masks
            humans = [a for a in self.live if a in table.humans]
            if self.live:  # the first human among them has the keyboard
                self.hand_keyboard_to(humans[0] if humans else self.live[0])
