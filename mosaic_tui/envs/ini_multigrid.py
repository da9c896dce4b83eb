"""ini's MultiGrid (the PyPI package `multigrid`): cooperative gridworlds, all agents at once.

Its ids (`MultiGrid-*`) are Gymnasium envs whose spaces are dicts keyed by agent index, like
mosaic-multigrid's, so the env worker plays them the same way (agents `agent_0`, `agent_1`,
...). Its envs have one agent unless told otherwise; here two, or `agents = N` in the env
settings. It needs plain `pygame` (minigrid wants `pygame-ce`), and compiles its observation
code with Numba on the first reset of a fresh install (about 20 s; cached after).
"""

from __future__ import annotations

from typing import Any

TASKS = (
    "MultiGrid-BlockedUnlockPickup-v0",
    "MultiGrid-Empty-16x16-v0",
    "MultiGrid-Empty-5x5-v0",
    "MultiGrid-Empty-6x6-v0",
    "MultiGrid-Empty-8x8-v0",
    "MultiGrid-Empty-Random-5x5-v0",
    "MultiGrid-Empty-Random-6x6-v0",
    "MultiGrid-LockedHallway-2Rooms-v0",
    "MultiGrid-LockedHallway-4Rooms-v0",
    "MultiGrid-LockedHallway-6Rooms-v0",
    "MultiGrid-Playground-v0",
    "MultiGrid-RedBlueDoors-6x6-v0",
    "MultiGrid-RedBlueDoors-8x8-v0",
)
AGENTS = 2  # the envs' own default is 1: no multi-agent game at all
WARM_UP = "compiling MultiGrid's observation code (Numba JIT, about 20 s on a fresh install)"


def make(
    task: str, *, render_mode: str | None = None, execution_mode: str | None = None, **settings: Any
) -> Any:
    import gymnasium
    import multigrid.envs  # noqa: F401  (registers the ids)

    settings.setdefault("agents", AGENTS)
    return gymnasium.make(task, render_mode=render_mode, disable_env_checker=True, **settings)
