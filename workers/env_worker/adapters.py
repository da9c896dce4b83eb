"""One stepping interface over two env APIs: Gymnasium (one agent) and PettingZoo AEC (turns).

The runtime only ever asks: reset with a seed, who moves and what is legal, apply this action,
what changed. AEC bookkeeping (dead agents must be stepped with None, rewards arrive for every
agent after any move) stays here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Outcome:
    agent: str  # who acted
    reward: float  # the actor's reward for this step
    terminated: bool
    truncated: bool
    obs: Any  # the next decision's observation (the agent to move next)
    mask: list[int] | None
    to_move: str | None
    info: dict[str, Any] = field(default_factory=dict)
    rewards: dict[str, float] | None = None  # every agent's reward this step (multi-agent)

    @property
    def done(self) -> bool:
        return self.terminated or self.truncated


class GymAdapter:
    multi = False

    def __init__(self, env: Any) -> None:
        self.env = env
        self.agents = ["agent"]
        self.action_space = env.action_space

    def reset(self, seed: int | None) -> tuple[Any, dict[str, Any], list[int] | None, str | None]:
        obs, info = self.env.reset(seed=seed)
        return obs, info, _mask(info), None

    def step(self, action: int) -> Outcome:
        obs, reward, terminated, truncated, info = self.env.step(action)
        return Outcome(
            "agent",
            float(reward),
            bool(terminated),
            bool(truncated),
            obs,
            _mask(info),
            None,
            info if isinstance(info, dict) else {},
        )

    def render(self) -> Any:
        return self.env.render()


class AecAdapter:
    """PettingZoo's agent-environment cycle: one agent moves at a time, masks in observations."""

    multi = True

    def __init__(self, env: Any) -> None:
        self.env = env
        self.agents = list(env.possible_agents)
        self.action_space = env.action_space(self.agents[0])

    def reset(self, seed: int | None) -> tuple[Any, dict[str, Any], list[int] | None, str | None]:
        self.env.reset(seed=seed)
        obs, _, _, _, info = self.env.last()
        return obs, info, _obs_mask(obs, info), self.env.agent_selection

    def step(self, action: int) -> Outcome:
        env = self.env
        actor = env.agent_selection
        rewards = dict.fromkeys(self.agents, 0.0)
        env.step(action)
        self._collect(rewards)
        # agents that are done must be stepped with None until the env drops them
        while env.agents and (
            env.terminations.get(env.agent_selection) or env.truncations.get(env.agent_selection)
        ):
            env.step(None)
            self._collect(rewards)
        if not env.agents:
            terminated = any(env.terminations.values()) if env.terminations else True
            truncated = not terminated
            return Outcome(
                actor, rewards[actor], terminated, truncated, None, None, None, rewards=rewards
            )
        obs, _, _, _, info = env.last()
        return Outcome(
            actor,
            rewards[actor],
            False,
            False,
            obs,
            _obs_mask(obs, info),
            env.agent_selection,
            info if isinstance(info, dict) else {},
            rewards=rewards,
        )

    def _collect(self, rewards: dict[str, float]) -> None:
        for agent, reward in self.env.rewards.items():
            rewards[agent] = rewards.get(agent, 0.0) + float(reward)

    def render(self) -> Any:
        return self.env.render()


def _mask(info: Any) -> list[int] | None:
    mask = info.get("action_mask") if isinstance(info, dict) else None
    return None if mask is None else np.asarray(mask, dtype=np.int64).ravel().tolist()


def _obs_mask(obs: Any, info: Any) -> list[int] | None:
    if isinstance(obs, dict) and "action_mask" in obs:
        return np.asarray(obs["action_mask"], dtype=np.int64).ravel().tolist()
    return _mask(info)
