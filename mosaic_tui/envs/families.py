"""Which environment families exist: what each needs installed, which extra installs it, how
its players take turns, and which tasks are its own (found in the Gymnasium and PettingZoo
registries, or listed by the module that makes its envs). Finding and making tasks is
`catalog.py`'s.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mosaic_tui.envs.profiles import profile


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    requires: tuple[str, ...]  # importable modules the family needs
    extra: str | None  # the pip extra that installs it, if not a core dependency
    owns: Callable[[str, str], bool]  # (task id, entry-point module) -> belongs here
    kind: str = "single"  # "single", "aec" or "parallel"
    smoke_task: str = ""
    # a plugin family (envs/plugins.py) lists its tasks and makes its envs itself
    tasks: tuple[str, ...] = ()
    make: Callable[..., Any] | None = None
    source: str = ""  # where a plugin family comes from; "" for the built-in ones

    @property
    def installed(self) -> bool:
        return all(importlib.util.find_spec(m) is not None for m in self.requires)

    @property
    def install_hint(self) -> str:
        return f"pip install 'mosaic-tui[{self.extra}]'" if self.extra else "pip install mosaic-tui"


def _module_is(*prefixes: str) -> Callable[[str, str], bool]:
    return lambda task, module: module.startswith(prefixes)


#: Gymnasium tasks of a family's module whose actions are continuous (a Box): players here
#: choose among discrete actions, so no family lists or plays them.
CONTINUOUS = frozenset({"Pendulum-v1", "MountainCarContinuous-v0"})


def _discrete(owns: Callable[[str, str], bool]) -> Callable[[str, str], bool]:
    return lambda task, module: task not in CONTINUOUS and owns(task, module)


def _listed(module: str) -> dict[str, Any]:
    """The `tasks` and `make` of a family whose list and env maker are `mosaic_tui.envs.<module>`
    (its package, an extra, is imported by `make` only)."""
    found = importlib.import_module(f"mosaic_tui.envs.{module}")
    return {"tasks": tuple(found.TASKS), "make": found.make}


def _prefixed(prefix: str) -> Callable[[str, str], bool]:
    return lambda task, module: task.startswith(prefix)


def _profiled(family_name: str) -> Callable[[str, str], bool]:
    """Tasks whose game profile belongs to this family (the id prefixes are declared there)."""
    return lambda task, module: profile(task).family == family_name


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "minigrid",
            "MiniGrid",
            ("minigrid",),
            None,
            _profiled("minigrid"),
            smoke_task="MiniGrid-Empty-8x8-v0",
        ),
        Family(
            "babyai",
            "BabyAI",
            ("minigrid",),
            None,
            _profiled("babyai"),
            smoke_task="BabyAI-GoToRedBall-v0",
        ),
        Family(
            "toytext",
            "Toy text",
            ("gymnasium",),
            None,
            _module_is("gymnasium.envs.toy_text"),
            smoke_task="FrozenLake-v1",
        ),
        Family(
            "classic_control",
            "Classic control",
            ("gymnasium",),
            None,
            _discrete(_module_is("gymnasium.envs.classic_control")),
            smoke_task="CartPole-v1",
        ),
        Family(
            "pettingzoo_classic",
            "PettingZoo classic (turn-based)",
            ("pettingzoo",),
            "classic",
            _module_is("pettingzoo.classic"),
            kind="aec",
            smoke_task="tictactoe_v3",
        ),
        Family(
            "pettingzoo_butterfly",
            "PettingZoo butterfly (simultaneous)",
            ("pettingzoo", "pygame"),
            "butterfly",
            _module_is("pettingzoo.butterfly"),
            kind="parallel",
            smoke_task="cooperative_pong_v6",
        ),
        Family(
            "multigrid",
            "MOSAIC MultiGrid (simultaneous)",
            ("mosaic_multigrid",),
            "multigrid",
            _profiled("multigrid"),
            kind="parallel",
            smoke_task="MosaicMultiGrid-S-2v2-IndAgObs-v1",
        ),
        Family(
            "ini_multigrid",
            "MultiGrid (ini; cooperative, simultaneous)",
            ("multigrid",),
            "ini_multigrid",
            _prefixed("MultiGrid-"),
            kind="parallel",
            smoke_task="MultiGrid-Empty-8x8-v0",
            **_listed("ini_multigrid"),
        ),
        Family(
            "openspiel",
            "OpenSpiel board games (turn-based)",
            ("shimmy", "pyspiel"),
            "openspiel",
            _prefixed("OpenSpiel-"),
            kind="aec",
            smoke_task="OpenSpiel-tic_tac_toe",
            **_listed("openspiel"),
        ),
        Family(
            "overcooked",
            "Overcooked (cooperative, simultaneous)",
            ("overcooked_ai_py", "pygame"),
            "overcooked",
            _prefixed("Overcooked-"),
            kind="parallel",
            smoke_task="Overcooked-cramped_room",
            **_listed("overcooked"),
        ),
    )
}

# PettingZoo packages scanned for games (their envs are not in Gymnasium's registry).
PETTINGZOO = {
    "pettingzoo_classic": "pettingzoo.classic",
    "pettingzoo_butterfly": "pettingzoo.butterfly",
}
