"""Stepping without building observations, while nothing reads them.

A replay with no frames (`run` with recorded actions) only needs rewards and endings. MiniGrid
and BabyAI build the agent's view on every step (`gen_obs`: ~97 % of a DoorKey step) and nothing
in their dynamics reads it back, so while such a replay runs the view is built once and every
step hands that one back (through any observation wrappers, as a raw view would go). Envs
without `gen_obs` step as always.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def unobserved(env: Any) -> Iterator[bool]:
    """While inside, every step of `env` returns one stale view; yields whether it could."""
    base = getattr(env, "unwrapped", env)
    if not callable(getattr(type(base), "gen_obs", None)) or "gen_obs" in vars(base):
        yield False
        return
    first = base.gen_obs()
    base.gen_obs = lambda: copy.deepcopy(first)  # a fresh object each step, as Gymnasium asks
    try:
        yield True
    finally:
        del base.gen_obs
