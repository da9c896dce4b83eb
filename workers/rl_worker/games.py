"""A PettingZoo classic game seen by one learner as a Gymnasium env, so stable-baselines3 (or
any single-agent trainer) can train a player for it.

The learner takes one seat (alternating by episode, since these games give each player its
observation from its own side, one policy plays both seats); the other seats play uniformly
random legal moves. The observation is PettingZoo's `observation` entry, the one the RL player
reads from the dict a classic game gives; the legal moves are in `info["action_mask"]`. The
learner's return is its own reward: +1 for a win, -1 for a loss, 0 for a draw; an illegal move
ends the episode with -1 (the RL player masks them when it plays, so it never makes one).
"""

from __future__ import annotations

import importlib
from typing import Any

import gymnasium as gym
import numpy as np


class GameError(ValueError):
    """A PettingZoo classic game that cannot be trained here; the message says why."""


def is_game(task: str) -> bool:
    """A PettingZoo classic game id (GameError when it is one whose dependency is missing)."""
    module = f"pettingzoo.classic.{task}"
    try:
        game = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module.startswith(exc.name):
            return False  # no such game (or no PettingZoo): not a game id
        raise GameError(f"{task} needs {exc.name}, which is not installed") from None
    return callable(getattr(game, "env", None))


class AgainstRandom(gym.Env):  # type: ignore[type-arg]
    def __init__(self, task: str) -> None:
        self.game = importlib.import_module(f"pettingzoo.classic.{task}").env()
        self.game.reset(seed=0)
        first = self.game.possible_agents[0]
        seen = self.game.observation_space(first)
        if not isinstance(seen, gym.spaces.Dict) or not {"observation", "action_mask"} <= set(
            seen.spaces
        ):
            raise GameError(
                f"{task} gives no action mask with its observation; training here takes turn-"
                "based games that do (tictactoe_v3, connect_four_v3, ...)"
            )
        space = seen["observation"]
        self.observation_space = gym.spaces.Box(0.0, 1.0, space.shape, np.float32)
        self.action_space = self.game.action_space(first)
        self.episodes = 0
        self.seat = first
        self.rng = np.random.default_rng(0)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.game.reset(seed=seed)
        agents = self.game.possible_agents
        self.seat = agents[self.episodes % len(agents)]
        self.episodes += 1
        self._others_move()
        return self._observe()

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        mask = self.game.observe(self.seat)["action_mask"]
        if not mask[action]:
            obs, info = self._observe()
            return obs, -1.0, True, False, info
        self.game.step(int(action))
        self._others_move()
        obs, info = self._observe()
        if not self._over():
            return obs, 0.0, False, False, info
        # the reward since the learner's last move (PettingZoo clears `rewards` on later steps)
        reward = self.game.last()[1] if self.game.agent_selection == self.seat else 0.0
        return obs, float(reward), True, False, info

    def _over(self) -> bool:
        return self.seat not in self.game.agents or (
            self.game.terminations[self.seat] or self.game.truncations[self.seat]
        )

    def _others_move(self) -> None:
        while self.game.agents and self.game.agent_selection != self.seat:
            agent = self.game.agent_selection
            if self.game.terminations[agent] or self.game.truncations[agent]:
                self.game.step(None)
                continue
            legal = np.flatnonzero(self.game.observe(agent)["action_mask"])
            self.game.step(int(self.rng.choice(legal)))
            if self._over():
                return

    def _observe(self) -> tuple[np.ndarray, dict[str, Any]]:
        seen = self.game.observe(self.seat)
        obs = np.asarray(seen["observation"], dtype=np.float32)
        return obs, {"action_mask": np.asarray(seen["action_mask"], dtype=np.int8)}
