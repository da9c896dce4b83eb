"""Environment families and their tasks, discovered from what is installed.

Tasks come from the Gymnasium registry (filtered by id prefix or entry-point module), never
from a hard-coded list of classes, so new variants of an installed package show up by
themselves. Families whose package is missing are listed with the extra that installs them.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any


class EnvError(ValueError):
    """An env id or family that cannot be used here; the message says what to do instead."""


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    requires: tuple[str, ...]  # importable modules the family needs
    extra: str | None  # the pip extra that installs it, if not a core dependency
    owns: Callable[[str, str], bool]  # (task id, entry-point module) -> belongs here
    kind: str = "single"  # "single", "aec" or "parallel"
    smoke_task: str = ""

    @property
    def installed(self) -> bool:
        return all(importlib.util.find_spec(m) is not None for m in self.requires)

    @property
    def install_hint(self) -> str:
        return f"pip install 'mosaic-tui[{self.extra}]'" if self.extra else "pip install mosaic-tui"


def _module_is(*prefixes: str) -> Callable[[str, str], bool]:
    return lambda task, module: module.startswith(prefixes)


def _id_starts(*prefixes: str) -> Callable[[str, str], bool]:
    return lambda task, module: task.startswith(prefixes)


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "minigrid",
            "MiniGrid",
            ("minigrid",),
            None,
            _id_starts("MiniGrid-"),
            smoke_task="MiniGrid-Empty-8x8-v0",
        ),
        Family(
            "babyai",
            "BabyAI",
            ("minigrid",),
            None,
            _id_starts("BabyAI-"),
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
            _module_is("gymnasium.envs.classic_control"),
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
    )
}

PETTINGZOO_CLASSIC = "pettingzoo.classic"

# Modules whose import registers their env ids with Gymnasium.
_REGISTERS = {"minigrid": "minigrid", "babyai": "minigrid"}


def family(name: str) -> Family:
    try:
        return FAMILIES[name]
    except KeyError:
        known = ", ".join(FAMILIES)
        raise EnvError(f"unknown environment family {name!r}; known families: {known}") from None


def installed_families() -> list[Family]:
    return [f for f in FAMILIES.values() if f.installed]


def _registry() -> dict[str, str]:
    """Every installed task id -> the module of its entry point (scans PettingZoo too)."""
    return {**_pettingzoo_classic(), **_gym_registry()}


@cache
def _gym_registry() -> dict[str, str]:
    """Gymnasium task ids -> entry-point module: cheap, no game module imported."""
    import gymnasium

    for fam in installed_families():
        if fam.name in _REGISTERS:
            importlib.import_module(_REGISTERS[fam.name])
    out = {}
    for task, spec in gymnasium.registry.items():
        entry = spec.entry_point
        out[task] = (
            entry.split(":")[0] if isinstance(entry, str) else getattr(entry, "__module__", "")
        )
    return out


def _module_of(task: str) -> str | None:
    """The module of one task, importing only that game's module (a worker start-up pays for
    its own env, not for scanning every PettingZoo game)."""
    module = _gym_registry().get(task)
    if module is not None:
        return module
    name = f"{PETTINGZOO_CLASSIC}.{task}"
    if (
        not task.rsplit("_v", 1)[-1].isdigit()
        or importlib.util.find_spec(PETTINGZOO_CLASSIC) is None
    ):
        return None
    try:
        if importlib.util.find_spec(name) is None:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            importlib.import_module(name)
    except ImportError as exc:  # the game exists but its extra is missing: say how to get it
        raise EnvError(
            f"{task} needs {exc.name or 'a missing package'}:"
            f" {FAMILIES['pettingzoo_classic'].install_hint}"
        ) from None
    except Exception:
        return None
    return name


@cache
def _pettingzoo_classic() -> dict[str, str]:
    """PettingZoo classic envs whose own dependencies are installed (chess needs `chess`)."""
    if importlib.util.find_spec(PETTINGZOO_CLASSIC) is None:
        return {}
    import pkgutil

    package = importlib.import_module(PETTINGZOO_CLASSIC)
    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.rsplit("_v", 1)[-1].isdigit():
            continue
        try:
            with warnings.catch_warnings():  # some modules warn about APIs on import
                warnings.simplefilter("ignore")
                importlib.import_module(f"{PETTINGZOO_CLASSIC}.{info.name}")
        except Exception:  # its extra is missing: not listed, `envs` says how to get it
            continue
        found[info.name] = f"{PETTINGZOO_CLASSIC}.{info.name}"
    return found


def tasks(family_name: str) -> list[str]:
    """The installed task ids of a family, sorted."""
    fam = family(family_name)
    if not fam.installed:
        return []
    return sorted(t for t, module in _registry().items() if fam.owns(t, module))


def family_of(task: str) -> Family | None:
    module = _module_of(task)
    if module is None:
        return None
    return next((f for f in installed_families() if f.owns(task, module)), None)


def check_task(task: str, family_name: str | None = None) -> Family:
    """The family of an installed task, or an EnvError that names close matches."""
    fam = family_of(task)
    if fam is not None and (family_name is None or fam.name == family_name):
        return fam
    if family_name is not None:
        wanted = family(family_name)
        if not wanted.installed:
            raise EnvError(f"family {family_name!r} is not installed: {wanted.install_hint}")
        if fam is not None:
            raise EnvError(
                f"task {task!r} belongs to family {fam.name!r}, not {family_name!r};"
                f" set env_name = {fam.name!r}"
            )
    known = list(_registry())
    close = difflib.get_close_matches(task, known, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise EnvError(f"unknown env id {task!r}{hint} (`mosaic-tui envs` lists installed tasks)")


def make_env(task: str, *, render_mode: str | None = "rgb_array", **settings: Any) -> Any:
    """Create an env: `gymnasium.make` for single-agent tasks, the PettingZoo module's `env()`
    for turn-based ones (an AEC env), with errors that say what to fix."""
    fam = check_task(task)
    try:
        if fam.kind == "aec":
            module = importlib.import_module(f"{PETTINGZOO_CLASSIC}.{task}")
            return module.env(render_mode=render_mode, **settings)
        import gymnasium

        return gymnasium.make(task, render_mode=render_mode, **settings)
    except Exception as exc:  # env constructors raise anything: assertions, KeyErrors, ...
        if not settings:
            raise
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if isinstance(exc, TypeError) and "unexpected keyword argument" in str(exc):
            names = ", ".join(sorted(settings))
            raise EnvError(f"{task} does not accept the setting(s) {names}: {detail}") from None
        given = ", ".join(f"{k}={v!r}" for k, v in settings.items())
        raise EnvError(f"{task} rejected the settings {given}: {detail}") from None


def agent_ids(task: str) -> list[str]:
    """The player slots of a task, from the env itself: `agent` for single-agent tasks."""
    if check_task(task).kind == "single":
        return ["agent"]
    env = make_env(task, render_mode=None)
    try:
        return list(env.possible_agents)
    finally:
        env.close()
