"""mosaic-multigrid's own settings: the view size goes to the env, the observation mode picks
one of its wrappers. The reference accepted both and ignored them; here they change what the
agents see, and a wrong value is refused with the choices.

mosaic-multigrid needs plain `pygame` (minigrid wants `pygame-ce`) and compiles its observation
code with Numba on the first reset of a fresh install (about 10 s).
"""

from __future__ import annotations

from typing import Any

from mosaic_tui.envs.catalog import EnvError, settings_error

#: observation mode -> the mosaic_multigrid.wrappers class that gives it (None: as built)
OBSERVATIONS: dict[str, str | None] = {
    "partial": None,  # each agent's own view_size x view_size view
    "full": "FullyObsWrapper",  # the whole grid, encoded
    "image": "ImgObsWrapper",  # the encoded view only, no direction or mission
    "onehot": "OneHotObsWrapper",
    "global": "GlobalObsWrapper",  # the view plus a top-down RGB map of the field
}
SETTINGS = {
    "view_size": "odd number >= 3: how many cells each agent sees (default: the env's own)",
    "observation": f"one of {', '.join(OBSERVATIONS)} (default partial)",
}
WARM_UP = "compiling MultiGrid's observation code (Numba JIT, about 10 s on a fresh install)"


def check_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings for the env constructor; raises EnvError naming a bad value and the fix."""
    out = dict(settings)
    mode = out.pop("observation", "partial")
    if mode not in OBSERVATIONS:
        raise EnvError(f"observation = {mode!r} is not a mode; {SETTINGS['observation']}")
    view = out.get("view_size")
    if view is not None and (
        not isinstance(view, int) or isinstance(view, bool) or view < 3 or view % 2 == 0
    ):
        raise EnvError(f"view_size = {view!r}: expected an {SETTINGS['view_size']}")
    return out


def make_multigrid(task: str, render_mode: str | None, settings: dict[str, Any]) -> Any:
    import gymnasium
    import mosaic_multigrid.envs  # noqa: F401  (registers the ids)

    kwargs = check_settings(settings)
    try:
        env = gymnasium.make(task, render_mode=render_mode, disable_env_checker=True, **kwargs)
    except Exception as exc:
        raise settings_error(task, settings, exc) from None
    wrapper = OBSERVATIONS[settings.get("observation", "partial")]
    if wrapper is not None:
        from mosaic_multigrid import wrappers

        env = getattr(wrappers, wrapper)(env)
    return env


def agent_name(key: Any) -> str:
    """Agents are strings on the wire; integer keys become `agent_<i>`, as the reference
    names them."""
    return key if isinstance(key, str) else f"agent_{key}"


def agent_names(env: Any) -> list[str]:
    spaces = getattr(env.action_space, "spaces", None)
    if not isinstance(spaces, dict):
        raise EnvError(f"{env} has no per-agent action spaces")
    return [agent_name(k) for k in spaces]
