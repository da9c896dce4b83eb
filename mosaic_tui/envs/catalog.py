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
from functools import cache
from typing import Any

from mosaic_tui.envs import profiles
from mosaic_tui.envs.families import CONTINUOUS, FAMILIES, PETTINGZOO, Family
from mosaic_tui.envs.profiles import form_fields
from mosaic_tui.protocol.stepping import SteppingParadigm


class EnvError(ValueError):
    """An env id or family that cannot be used here; the message says what to do instead."""


def _registers() -> dict[str, str]:
    """Modules whose import registers env ids with Gymnasium, by the ids' prefix (each game's
    profile declares its own)."""
    return {prefix: p.registers for p in profiles.PROFILES if p.registers for prefix in p.prefixes}


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
    found: dict[str, str] = {}
    for package in PETTINGZOO.values():
        found.update(_pettingzoo(package))
    return {**found, **_gym_registry(tuple(_registers()))}


@cache
def _gym_registry(prefixes: tuple[str, ...]) -> dict[str, str]:
    """Gymnasium task ids -> entry-point module, after importing the packages that register
    ids with these prefixes (a worker imports only its own: mosaic-multigrid costs ~0.5 s)."""
    import gymnasium

    registers = _registers()
    for module in {registers[p] for p in prefixes}:
        if importlib.util.find_spec(module.split(".")[0]) is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                importlib.import_module(module)
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
    prefixes = tuple(p for p in _registers() if task.startswith(p))
    module = _gym_registry(prefixes).get(task)
    if module is not None:
        return module
    if not task.rsplit("_v", 1)[-1].isdigit() or not task.isidentifier():
        return None  # a PettingZoo game is a plain module name (chess_v6), never a dotted path
    for fam_name, package in PETTINGZOO.items():
        name = f"{package}.{task}"
        try:
            if importlib.util.find_spec(package) is None or importlib.util.find_spec(name) is None:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                importlib.import_module(name)
        except ImportError as exc:  # the game exists but its extra is missing: say how
            raise EnvError(
                f"{task} needs {exc.name or 'a missing package'}: {FAMILIES[fam_name].install_hint}"
            ) from None
        except Exception:
            continue
        return name
    return None


@cache
def _pettingzoo(package_name: str) -> dict[str, str]:
    """The games of a PettingZoo package whose own dependencies are installed (chess needs
    `chess`, pistonball `pymunk`)."""
    try:
        if importlib.util.find_spec(package_name) is None:
            return {}
        package = importlib.import_module(package_name)
    except ImportError:
        return {}
    import pkgutil

    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.rsplit("_v", 1)[-1].isdigit():
            continue
        try:
            with warnings.catch_warnings():  # some modules warn about APIs on import
                warnings.simplefilter("ignore")
                module = importlib.import_module(f"{package_name}.{info.name}")
        except Exception:  # its extra is missing: not listed, `envs` says how to get it
            continue
        if getattr(module, "__deprecated__", False) or not hasattr(module, "env"):
            continue
        found[info.name] = f"{package_name}.{info.name}"
    return found


def tasks(family_name: str) -> list[str]:
    """The installed task ids of a family, sorted."""
    fam = family(family_name)
    if not fam.installed:
        return []
    if fam.make is not None:
        return sorted(fam.tasks)
    return sorted(t for t, module in _registry().items() if fam.owns(t, module))


def family_of(task: str) -> Family | None:
    for fam in FAMILIES.values():  # a plugin's tasks are its own list
        if fam.make is not None and task in fam.tasks and fam.installed:
            return fam
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
    for missing in FAMILIES.values():  # a known id prefix of a family that is not installed
        if not missing.installed and missing.owns(task, ""):
            raise EnvError(
                f"{task} is a {missing.title} task and {missing.requires[0]} is not installed:"
                f" {missing.install_hint}"
            )
    registry = _registry()
    if task in registry:  # registered (gymnasium, a package), but no family here plays it
        why = (
            "its actions are continuous (a Box), and players here choose among discrete ones"
            if task in CONTINUOUS
            else "no installed family plays its module's tasks"
        )
        raise EnvError(
            f"{task} is registered ({registry[task] or 'no module'}), but {why} (`mosaic-tui"
            " envs` lists the tasks that run; a plugin family can add others: docs/plugins.md)"
        )
    known = list(registry)
    qualified = _qualified_id(task)
    if qualified is not None:
        raise EnvError(qualified)
    close = difflib.get_close_matches(task, known, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise EnvError(f"unknown env id {task!r}{hint} (`mosaic-tui envs` lists installed tasks)")


def _qualified_id(task: str) -> str | None:
    """Why a `module:Env-v0` or dotted `package.module.game_v1` id is not found, if it is one:
    tasks are named by their plain id, as `mosaic-tui envs` lists them."""
    if ":" in task:
        module, _, name = task.partition(":")
        form = f"a Gymnasium 'module:EnvId' id (import {module!r}, then make {name!r})"
    elif "." in task:
        name = task.rsplit(".", 1)[-1]
        form = "a dotted module path"
    else:
        return None
    if not name or ":" in name or "." in name:
        fix = "`mosaic-tui envs` lists the task ids"
    else:
        try:
            check_task(name)
            fix = f"write task = {name!r}"
        except EnvError as exc:  # the plain id has a problem of its own: say which
            fix = f"and as {name!r}: {exc}"
    return (
        f"task {task!r} is {form}; mosaic-tui names a task by its plain id, without a"
        f" module (e.g. chess_v6, MiniGrid-Empty-8x8-v0): {fix}"
    )


def stepping(task: str, execution_mode: str | None = None) -> SteppingParadigm:
    """How this task's players take turns.

    Simultaneous-only families ignore `execution_mode`; a turn-based game runs simultaneously
    when asked for "parallel" and it has that form (rock-paper-scissors does, chess does not).
    """
    kind = check_task(task).kind
    if kind == "single":
        return SteppingParadigm.SINGLE_AGENT
    if kind == "parallel" or execution_mode == "parallel":
        return SteppingParadigm.SIMULTANEOUS
    return SteppingParadigm.SEQUENTIAL


def env_settings(
    task: str,
    settings: dict[str, Any] | None,
    *,
    view_size: int | None = None,
    observation_mode: str | None = None,
) -> dict[str, Any]:
    """The settings an env is built with: the operator's `view_size` and `observation_mode`
    join its env settings where the env has them (MultiGrid); elsewhere a view size is refused,
    not silently dropped as the reference did."""
    out = dict(settings or {})
    fam = family_of(task)
    if fam is None:  # unknown here: the env worker says so, with close matches
        return out
    fields = form_fields(fam.name)
    if view_size is not None and "view_size" in fields:
        out["view_size"] = view_size
    if observation_mode is not None and "observation_mode" in fields:
        out["observation_mode"] = observation_mode
    if view_size is not None and "view_size" not in fields:
        raise EnvError(
            f"view_size applies to MultiGrid tasks, not {task}"
            " (MiniGrid: set agent_view_size in the env settings)"
        )
    return out


def warm_up_note(task: str) -> str | None:
    """What to tell the user while this task's first reset is slow, if it is."""
    name = check_task(task).name
    if name == "multigrid":
        from mosaic_tui.envs.multigrid import WARM_UP

        return WARM_UP
    if name == "ini_multigrid":
        from mosaic_tui.envs.ini_multigrid import WARM_UP as INI_WARM_UP

        return INI_WARM_UP
    return None


def make_env(
    task: str,
    *,
    render_mode: str | None = "rgb_array",
    execution_mode: str | None = None,
    **settings: Any,
) -> Any:
    """Create an env: `gymnasium.make` for Gymnasium tasks, the PettingZoo module's `env()` or
    `parallel_env()` for PettingZoo games, with errors that say what to fix."""
    fam = check_task(task)
    if fam.name == "multigrid":
        from mosaic_tui.envs.multigrid import make_multigrid

        return make_multigrid(task, render_mode, settings)
    try:
        if fam.make is not None:
            return fam.make(
                task, render_mode=render_mode, execution_mode=execution_mode, **settings
            )
        if fam.name in PETTINGZOO:
            module = importlib.import_module(f"{PETTINGZOO[fam.name]}.{task}")
            if stepping(task, execution_mode) == "sequential":
                return module.env(render_mode=render_mode, **settings)
            if not hasattr(module, "parallel_env"):
                raise EnvError(
                    f"{task} has no simultaneous form; set execution_mode = 'aec' (turn-based)"
                )
            return module.parallel_env(render_mode=render_mode, **settings)
        import gymnasium

        return gymnasium.make(task, render_mode=render_mode, **settings)
    except EnvError:
        raise
    except Exception as exc:  # env constructors raise anything: assertions, KeyErrors, ...
        if not settings:
            raise
        raise settings_error(task, settings, exc) from None


def settings_error(task: str, settings: dict[str, Any], exc: Exception) -> EnvError:
    """An env refused its settings: name them and the env's own complaint."""
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, TypeError) and "unexpected keyword argument" in str(exc):
        names = ", ".join(sorted(settings))
        return EnvError(f"{task} does not accept the setting(s) {names}: {detail}")
    given = ", ".join(f"{k}={v!r}" for k, v in settings.items())
    return EnvError(f"{task} rejected the settings {given}: {detail}")


def agent_ids(task: str) -> list[str]:
    """The player slots of a task, from the env itself: `agent` for single-agent tasks."""
    return list(player_slots(task))


def player_slots(task: str) -> dict[str, str | None]:
    """Each player slot of a task and its team colour, where the env has teams (MultiGrid)."""
    if check_task(task).kind == "single":
        return {"agent": None}
    env = make_env(task, render_mode=None)
    try:
        if hasattr(env, "possible_agents"):
            return dict.fromkeys((str(a) for a in env.possible_agents), None)
        from mosaic_tui.envs.multigrid import agent_name, team_colours

        keys = list(env.action_space.spaces)
        teams = team_colours(env, {k: agent_name(k) for k in keys}) or {}
        return {agent_name(k): teams.get(agent_name(k)) for k in keys}
    finally:
        env.close()


def refresh_plugins() -> None:
    """Read the `mosaic_tui.families` entry points again (a package installed since)."""
    from mosaic_tui.envs.plugins import plugin_families

    for name in [n for n, f in FAMILIES.items() if f.source]:
        del FAMILIES[name]
    for fam in plugin_families(set(FAMILIES)):
        FAMILIES[fam.name] = fam


refresh_plugins()
