"""mosaic-multigrid's own settings: the view size goes to the env, and the observation mode
decides whether agents also see their teammates. The reference accepted both and ignored them;
here they change what the agents see, and a wrong value is refused with the choices.

mosaic-multigrid needs plain `pygame` (minigrid wants `pygame-ce`) and compiles its observation
code with Numba on the first reset of a fresh install (about 10 s).
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np

from mosaic_tui.envs.catalog import EnvError, settings_error

#: OperatorConfig.observation_mode values, as the reference names them
OBSERVATION_MODES = {
    "egocentric": "each agent sees its own view only",
    "visible_teammates": "each agent's observation also holds its teammates' x, y, direction",
}
SETTINGS = {
    "view_size": "odd number >= 3: how many cells each agent sees (default: the env's own)",
    "observation_mode": f"one of {', '.join(OBSERVATION_MODES)}",
}
WARM_UP = "compiling MultiGrid's observation code (Numba JIT, about 10 s on a fresh install)"


def check_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings for the env constructor; raises EnvError naming a bad value and the fix."""
    out = dict(settings)
    mode = out.pop("observation_mode", "egocentric")
    if mode not in OBSERVATION_MODES:
        raise EnvError(f"observation_mode = {mode!r}: expected {SETTINGS['observation_mode']}")
    view = out.get("view_size")
    if view is not None and (
        not isinstance(view, int) or isinstance(view, bool) or view < 3 or view % 2 == 0
    ):
        raise EnvError(f"view_size = {view!r}: expected an {SETTINGS['view_size']}")
    return out


def make_multigrid(task: str, render_mode: str | None, settings: dict[str, Any]) -> Any:
    import mosaic_multigrid.envs  # noqa: F401  (registers the ids)

    kwargs = check_settings(settings)
    try:
        env = gymnasium.make(task, render_mode=render_mode, disable_env_checker=True, **kwargs)
    except Exception as exc:
        raise settings_error(task, settings, exc) from None
    if settings.get("observation_mode") == "visible_teammates":
        env = VisibleTeammates(env)
    return env


class VisibleTeammates(gymnasium.Wrapper):
    """Adds `teammates`, an (n, 3) array of x, y, direction, to every agent's observation."""

    def reset(self, **kwargs: Any) -> Any:
        obs, info = self.env.reset(**kwargs)
        return self._add(obs), info

    def step(self, actions: Any) -> Any:
        obs, *rest = self.env.step(actions)
        return (self._add(obs), *rest)

    def _add(self, obs: dict[Any, Any]) -> dict[Any, Any]:
        agents = self.env.unwrapped.agents
        for agent in agents:
            if agent.index in obs and isinstance(obs[agent.index], dict):
                mates = [
                    (*other.pos, other.dir)
                    for other in agents
                    if other.team_index == agent.team_index and other is not agent
                ]
                obs[agent.index] = {
                    **obs[agent.index],
                    "teammates": np.asarray(mates, dtype=np.int64).reshape(-1, 3),
                }
        return obs


def agent_name(key: Any) -> str:
    """Agents are strings on the wire; integer keys become `agent_<i>`, as the reference
    names them."""
    return key if isinstance(key, str) else f"agent_{key}"


def team_colours(env: Any, names: dict[Any, str]) -> dict[str, str] | None:
    """Team colours where the env has them. mosaic-multigrid colours an agent by its team on
    reset, so the colour is worked out from the team index before any reset."""
    agents = getattr(getattr(env, "unwrapped", env), "agents", None)
    teams = {}
    for agent in agents if isinstance(agents, list) else []:
        color, team = getattr(agent, "color", None), getattr(agent, "team_index", None)
        palette = type(color)
        if isinstance(team, int) and hasattr(palette, "from_index"):
            color = palette.from_index(team % len(palette))
        index = getattr(agent, "index", None)
        if isinstance(getattr(color, "value", None), str) and index in names:
            teams[names[index]] = color.value
    return teams or None
