"""OpenSpiel's two-player board games, through Shimmy's PettingZoo wrapper (turn-based).

Shimmy 2.0's `OpenSpielCompatibilityV0` is used as it is for creation, turns, observations and
action masks; `Game` corrects what it gets wrong, measured on this machine: the final reward
reaches the last agent twice (a tic-tac-toe loss counted -2), a game that ends by filling the
board is reported truncated as well as terminated, and `render()` only prints. Here every
agent's episode return is the game's own `returns()`, and the position is text (`board`,
drawn by the env worker) with the legal moves by OpenSpiel's own names, which a human types.
The list is the deterministic (and backgammon's dice) two-player games where that holds.
"""

from __future__ import annotations

from typing import Any

PREFIX = "OpenSpiel-"
GAMES = (
    "tic_tac_toe",
    "connect_four",
    "breakthrough",
    "hex",
    "othello",
    "checkers",
    "chess",
    "go",
    "amazons",
    "clobber",
    "pentago",
    "mancala",
    "oware",
    "nine_mens_morris",
    "dots_and_boxes",
    "lines_of_action",
    "ultimate_tic_tac_toe",
    "backgammon",
)
TASKS = tuple(PREFIX + game for game in GAMES)


def make(
    task: str, *, render_mode: str | None = None, execution_mode: str | None = None, **settings: Any
) -> Game:
    """The game as a PettingZoo AEC env; `settings` are OpenSpiel's game parameters
    (`board_size = 9` for go or hex)."""
    from mosaic_tui.envs.quiet import gym_banner_hidden

    with gym_banner_hidden():
        from shimmy import OpenSpielCompatibilityV0
    env = OpenSpielCompatibilityV0(
        game_name=task[len(PREFIX) :], render_mode=None, config=dict(settings) or None
    )
    return Game(env)


class Game:
    """Shimmy's env with the returns, the end flags and the position put right."""

    metadata = {"render_modes": [], "name": "openspiel"}

    def __init__(self, env: Any) -> None:
        self.env = env
        self.possible_agents = list(env.possible_agents)
        self.rewards: dict[str, float] = {}
        self._paid = False

    def __getattr__(self, name: str) -> Any:  # agents, agent_selection, terminations, ...
        return getattr(self.env, name)

    @property
    def unwrapped(self) -> Game:
        return self

    @property
    def game_state(self) -> Any:
        return self.env.game_state

    def action_space(self, agent: str) -> Any:
        return self.env.action_space(agent)

    def observation_space(self, agent: str) -> Any:
        return self.env.observation_space(agent)

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> None:
        self.env.reset(seed=seed, options=options)
        self.rewards = dict.fromkeys(self.env.agents, 0.0)
        self._paid = False

    def step(self, action: Any) -> None:
        self.env.step(action)
        self.rewards = dict.fromkeys(self.possible_agents, 0.0)
        state = self.env.game_state
        if state.is_terminal() and not self._paid:  # the game's returns, once
            self._paid = True
            returns = state.returns()
            self.rewards = {a: float(returns[i]) for i, a in enumerate(self.possible_agents)}
        for agent, ended in self.env.terminations.items():
            if ended:  # a finished game is not also cut short
                self.env.truncations[agent] = False

    def last(self, observe: bool = True) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, _, terminated, truncated, info = self.env.last(observe)
        return obs, self.rewards.get(self.env.agent_selection, 0.0), terminated, truncated, info

    def render(self) -> None:
        return None  # the position is text: `board`

    def close(self) -> None:
        self.env.close()

    def board(self) -> list[str]:
        return str(self.env.game_state).splitlines()

    def moves(self, mask: list[int], agent: str) -> dict[str, int]:
        state = self.env.game_state
        player = self.possible_agents.index(agent)
        return {state.action_to_string(player, a): a for a, ok in enumerate(mask) if ok}
