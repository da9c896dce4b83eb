"""Overcooked (overcooked-ai): two cooks share a kitchen and move at the same time.

overcooked-ai's own env classes do not import with NumPy 2 and compute motion plans into its
install folder on their first step, so this is a PettingZoo parallel env over its MDP and
state drawer, which do neither. Each agent sees the MDP's lossless encoding (width x height x
26 planes); the reward is the delivered soups (20 each), or with `shaped = true` also the
MDP's shaping for placing onions, taking dishes and soups. The MDP never ends a game: it is
truncated at `horizon` steps (400, the papers' length).
"""

from __future__ import annotations

from typing import Any

import numpy as np

PREFIX = "Overcooked-"
LAYOUTS = (
    "cramped_room",
    "asymmetric_advantages",
    "coordination_ring",
    "forced_coordination",
    "counter_circuit_o_1order",
)
TASKS = tuple(PREFIX + layout for layout in LAYOUTS)
LABELS = ("up", "down", "right", "left", "stay", "interact")  # the MDP's Action.INDEX_TO_ACTION


def make(
    task: str, *, render_mode: str | None = None, execution_mode: str | None = None, **settings: Any
) -> Kitchen:
    return Kitchen(task[len(PREFIX) :], render_mode=render_mode, **settings)


class Kitchen:
    """A PettingZoo ParallelEnv (duck-typed) over overcooked-ai's MDP."""

    metadata = {"render_modes": ["rgb_array"], "name": "overcooked"}

    def __init__(
        self,
        layout: str,
        render_mode: str | None = None,
        horizon: int = 400,
        shaped: bool = False,
        tile_size: int = 30,
    ) -> None:
        from gymnasium import spaces

        from mosaic_tui.envs.quiet import gym_banner_hidden

        with gym_banner_hidden():
            from overcooked_ai_py.mdp.overcooked_mdp import OvercookedGridworld

        if not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 1:
            raise ValueError(f"horizon must be a whole number >= 1, got {horizon!r}")
        self.mdp = OvercookedGridworld.from_layout_name(layout)
        self.render_mode = render_mode
        self.horizon = horizon
        self.shaped = bool(shaped)
        self.tile_size = tile_size
        self.possible_agents = [f"player_{i}" for i in range(self.mdp.num_players)]
        self.agents: list[str] = []
        self.state = self.mdp.get_standard_start_state()
        shape = self._observe()[self.possible_agents[0]].shape
        self.observation_spaces = {
            a: spaces.Box(0, np.iinfo(np.int64).max, shape, np.int64) for a in self.possible_agents
        }
        self.action_spaces = {a: spaces.Discrete(len(LABELS)) for a in self.possible_agents}
        self.score = 0

    def observation_space(self, agent: str) -> Any:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> Any:
        return self.action_spaces[agent]

    @property
    def unwrapped(self) -> Kitchen:
        return self

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        self.state = self.mdp.get_standard_start_state()  # the MDP has no randomness
        self.agents = list(self.possible_agents)
        self.score = 0
        return self._observe(), {a: {} for a in self.agents}

    def step(self, actions: dict[str, int]) -> tuple[Any, Any, Any, Any, Any]:
        from overcooked_ai_py.mdp.actions import Action

        joint = tuple(Action.INDEX_TO_ACTION[int(actions[a])] for a in self.possible_agents)
        self.state, info = self.mdp.get_state_transition(self.state, joint)
        sparse = info["sparse_reward_by_agent"]
        shaped = info["shaped_reward_by_agent"] if self.shaped else [0] * len(sparse)
        rewards = {a: float(sparse[i] + shaped[i]) for i, a in enumerate(self.possible_agents)}
        self.score += sum(sparse)
        out = self.state.timestep >= self.horizon
        terminations = dict.fromkeys(self.possible_agents, False)
        truncations = dict.fromkeys(self.possible_agents, out)
        infos: dict[str, Any] = {a: {} for a in self.possible_agents}
        obs = self._observe()
        if out:
            self.agents = []
        return obs, rewards, terminations, truncations, infos

    def _observe(self) -> dict[str, Any]:
        planes = self.mdp.lossless_state_encoding(self.state, horizon=self.horizon)
        return {a: np.asarray(planes[i]) for i, a in enumerate(self.possible_agents)}

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array":
            return None
        import pygame
        from overcooked_ai_py.visualization.state_visualizer import StateVisualizer

        # no score panel: a pane's title shows the return, and text this small is unreadable
        surface = StateVisualizer(tile_size=self.tile_size).render_state(
            self.state, grid=self.mdp.terrain_mtx
        )
        return pygame.surfarray.array3d(surface).transpose(1, 0, 2)

    def close(self) -> None:
        return None
