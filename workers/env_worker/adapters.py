"""One stepping interface over three env APIs: Gymnasium (one agent), PettingZoo AEC (turns)
and simultaneous play (PettingZoo parallel envs, and Gymnasium envs whose spaces are dicts keyed
by agent, as mosaic-multigrid's are).

The runtime only ever asks: reset with a seed, who moves and what is legal, apply this action
(or these actions), what changed. AEC bookkeeping (dead agents must be stepped with None,
rewards arrive for every agent after any move) and agent naming stay here.
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
    # simultaneous games: who acts next, and each one's legal actions
    live: list[str] | None = None
    masks: dict[str, list[int]] | None = None

    @property
    def done(self) -> bool:
        return self.terminated or self.truncated


class GymAdapter:
    multi = False
    parallel = False

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
    parallel = False

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


class ParallelAdapter:
    """Every live agent acts at once; an env keyed by integers (mosaic-multigrid) names its
    agents `agent_<i>` on the wire."""

    multi = True
    parallel = True

    def __init__(self, env: Any) -> None:
        self.env = env
        from mosaic_tui.envs.multigrid import agent_name, team_colours

        keys = _agent_keys(env)
        self.names = {key: agent_name(key) for key in keys}
        self.keys = {name: key for key, name in self.names.items()}
        self.agents = list(self.names.values())
        self.action_space = _space_of(env, keys[0])
        self.teams = team_colours(env, self.names)
        self.live: list[str] = list(self.agents)

    def reset(self, seed: int | None) -> tuple[Any, dict[str, Any], None, None]:
        obs, infos = self.env.reset(seed=seed)
        self.live = [self.names[k] for k in obs]
        self.masks = self._masks(obs, infos)
        return self._named(obs), self._named(infos or {}), None, None

    def step(self, actions: dict[str, int]) -> Outcome:
        keyed = {self.keys[name]: action for name, action in actions.items()}
        obs, rewards, terms, truncs, infos = self.env.step(keyed)
        named_rewards = {self.names[k]: float(v) for k, v in rewards.items()}
        ended = {self.names[k] for k, v in terms.items() if v} | {
            self.names[k] for k, v in truncs.items() if v
        }
        if _is_pettingzoo(self.env):  # PettingZoo drops the agents that are done
            self.live = [self.names[k] for k in self.env.agents]
        else:
            self.live = [a for a in self.live if a not in ended]
        self.masks = self._masks(obs, infos)
        terminated = bool(any(terms.values())) and not self.live
        truncated = not self.live and not terminated
        return Outcome(
            None,  # type: ignore[arg-type]
            sum(named_rewards.values()),
            terminated,
            truncated,
            self._named(obs),
            None,
            None,
            self._named(infos or {}),
            rewards=named_rewards,
            live=list(self.live),
            masks=self.masks,
        )

    def _named(self, by_key: Any) -> dict[str, Any]:
        return {self.names.get(k, str(k)): v for k, v in dict(by_key).items()}

    def _masks(self, obs: Any, infos: Any) -> dict[str, list[int]] | None:
        masks = {}
        for key, value in dict(obs).items():
            mask = _obs_mask(value, (infos or {}).get(key))
            if mask is not None:
                masks[self.names.get(key, str(key))] = mask
        return masks or None

    def render(self) -> Any:
        return self.env.render()


def _is_pettingzoo(env: Any) -> bool:
    return hasattr(env, "possible_agents")


def _agent_keys(env: Any) -> list[Any]:
    if _is_pettingzoo(env):
        return list(env.possible_agents)
    spaces = getattr(env.action_space, "spaces", None)
    if not isinstance(spaces, dict):
        raise ValueError(
            f"{env} is not a multi-agent env: its action space {env.action_space} is not a dict"
            " keyed by agent"
        )
    return list(spaces)


def _space_of(env: Any, key: Any) -> Any:
    return env.action_space(key) if _is_pettingzoo(env) else env.action_space.spaces[key]


def _mask(info: Any) -> list[int] | None:
    mask = info.get("action_mask") if isinstance(info, dict) else None
    return None if mask is None else np.asarray(mask, dtype=np.int64).ravel().tolist()


def _obs_mask(obs: Any, info: Any) -> list[int] | None:
    if isinstance(obs, dict) and "action_mask" in obs:
        return np.asarray(obs["action_mask"], dtype=np.int64).ravel().tolist()
    return _mask(info)


def lift_step_limits(env: Any, max_steps: int | None) -> None:
    """Lift the env's own step limits (TimeLimit, MiniGrid's max_steps) to `max_steps`,
    so a longer limit is honoured, not silently cut to the env's default."""
    if max_steps is None:
        return
    layer = env
    while layer is not None:
        limit = getattr(layer, "_max_episode_steps", None)  # gymnasium's TimeLimit
        if isinstance(limit, int) and limit < max_steps:
            layer._max_episode_steps = max_steps
        layer = getattr(layer, "env", None)
    base = getattr(env, "unwrapped", None)
    if isinstance(getattr(base, "max_steps", None), int) and base.max_steps < max_steps:
        base.max_steps = max_steps
