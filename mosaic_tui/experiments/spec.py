"""Experiment files: TOML (or the same shape as a dict) -> a checked `ExperimentSpec`.

Every problem is reported with the file and the key path (`operators[1].workers.agent.type`)
and what would be valid, before any worker starts. Unknown keys are errors, not ignored.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mosaic_tui.core import WORKER_TYPES, OperatorConfig, WorkerAssignment
from mosaic_tui.envs import FAMILIES, EnvError, check_task, family
from mosaic_tui.runtime.launcher import CATALOG, LaunchError, worker

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_WORKER = {
    "baseline": "baseline_worker",
    "human": "human",
    "llm": "llm_worker",
    "vlm": "llm_worker",
    "rl": "rl_worker",
}
_TOP_KEYS = {"name", "description", "execution", "operators"}
_EXECUTION_KEYS = {"episodes", "seeds", "seed", "max_steps"}
_OPERATOR_KEYS = {
    "id",
    "name",
    "env_name",
    "task",
    "max_steps",
    "execution_mode",
    "env_settings",
    "workers",
    "observation_mode",
    "coordination_level",
    "view_size",
}
_PLAYER_KEYS = {"type", "worker_type", "worker", "worker_id", "settings"}


class ExperimentError(ValueError):
    """A problem in an experiment file, located by key path."""

    def __init__(self, where: str, message: str, source: str | None = None) -> None:
        self.where, self.message, self.source = where, message, source
        prefix = f"{source}: " if source else ""
        super().__init__(f"{prefix}{where}: {message}" if where else f"{prefix}{message}")


@dataclass(frozen=True)
class ExperimentSpec:
    name: str
    episodes: int
    seeds: tuple[int, ...]
    operators: tuple[OperatorConfig, ...]
    source: str | None = None

    def seed_for(self, episode: int) -> int:
        return self.seeds[episode]


def load(path: str | Path) -> ExperimentSpec:
    """Read and check an experiment file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExperimentError("", f"no such file {str(path)!r}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError("", f"not valid TOML: {exc}", str(path)) from None
    return parse(data, source=str(path), default_name=path.stem)


def parse(
    data: dict[str, Any], *, source: str | None = None, default_name: str = "experiment"
) -> ExperimentSpec:
    try:
        return _parse(data, default_name)
    except ExperimentError as exc:
        raise ExperimentError(exc.where, exc.message, source) from None


def _parse(data: dict[str, Any], default_name: str) -> ExperimentSpec:
    _known_keys(data, _TOP_KEYS, "")
    execution = _table(data.get("execution", {}), "execution")
    _known_keys(execution, _EXECUTION_KEYS, "execution")
    episodes = _int(execution.get("episodes", 1), "execution.episodes", minimum=1)
    seeds = _seeds(execution, episodes)
    max_steps = execution.get("max_steps")
    if max_steps is not None:
        _int(max_steps, "execution.max_steps", minimum=1)
    raw_ops = data.get("operators")
    if not isinstance(raw_ops, list) or not raw_ops:
        raise ExperimentError("operators", "add at least one [[operators]] table")
    operators = tuple(_operator(op, i, max_steps) for i, op in enumerate(raw_ops))
    ids = [op.operator_id for op in operators]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ExperimentError(
            "operators", f"operator ids must be unique; repeated: {', '.join(dupes)}"
        )
    name = data.get("name", default_name)
    return ExperimentSpec(str(name), episodes, seeds, operators)


def _seeds(execution: dict[str, Any], episodes: int) -> tuple[int, ...]:
    if "seeds" in execution and "seed" in execution:
        raise ExperimentError("execution", "give either seeds = [...] or seed = N, not both")
    if "seeds" in execution:
        seeds = execution["seeds"]
        if not isinstance(seeds, list) or not seeds:
            raise ExperimentError("execution.seeds", "expected a list of whole numbers")
        values = tuple(_int(s, f"execution.seeds[{i}]", minimum=0) for i, s in enumerate(seeds))
        if len(values) < episodes:
            raise ExperimentError(
                "execution.seeds",
                f"{len(values)} seeds for {episodes} episodes;"
                " give one seed per episode (or use seed = N for N, N+1, ...)",
            )
        return values[:episodes]
    first = _int(execution.get("seed", 0), "execution.seed", minimum=0)
    return tuple(range(first, first + episodes))


def _operator(raw: Any, index: int, default_max_steps: int | None) -> OperatorConfig:
    where = f"operators[{index}]"
    op = _table(raw, where)
    _known_keys(op, _OPERATOR_KEYS, where)
    for key in ("id", "env_name", "task"):
        if not isinstance(op.get(key), str) or not op[key]:
            raise ExperimentError(f"{where}.{key}", "required (a non-empty string)")
    try:
        family(op["env_name"])
        check_task(op["task"], op["env_name"])
    except EnvError as exc:
        raise ExperimentError(f"{where}.task", str(exc)) from None
    workers_raw = _table(op.get("workers", {"agent": {"type": "baseline"}}), f"{where}.workers")
    workers = {agent: _player(p, f"{where}.workers.{agent}") for agent, p in workers_raw.items()}
    simultaneous_only = FAMILIES[op["env_name"]].kind == "parallel"
    mode = op.get("execution_mode", "parallel" if simultaneous_only else "aec")
    if simultaneous_only and mode != "parallel":
        raise ExperimentError(
            f"{where}.execution_mode",
            f"{op['env_name']} games are simultaneous only; use execution_mode = 'parallel'"
            " (or leave it out)",
        )
    try:
        return OperatorConfig(
            operator_id=op["id"],
            display_name=str(op.get("name", op["id"])),
            env_name=op["env_name"],
            task=op["task"],
            workers=workers,
            max_steps=op.get("max_steps", default_max_steps),
            execution_mode=mode,
            env_settings=dict(_table(op.get("env_settings", {}), f"{where}.env_settings")),
            **{
                k: op[k] for k in ("observation_mode", "coordination_level", "view_size") if k in op
            },
        )
    except (TypeError, ValueError) as exc:
        raise ExperimentError(where, str(exc)) from None


def _player(raw: Any, where: str) -> WorkerAssignment:
    player = _table(raw, where)
    kind = player.get("type", player.get("worker_type"))
    if kind not in WORKER_TYPES:
        raise ExperimentError(f"{where}.type", f"{kind!r} is not one of {', '.join(WORKER_TYPES)}")
    worker_id = player.get("worker", player.get("worker_id", DEFAULT_WORKER[kind]))
    settings = dict(_table(player.get("settings", {}), f"{where}.settings"))
    settings.update({k: v for k, v in player.items() if k not in _PLAYER_KEYS})
    if kind != "human":
        try:
            definition = worker(worker_id)
            definition.command("check", settings)  # every setting known and valid
        except LaunchError as exc:
            available = ", ".join(w for w, d in CATALOG.items() if kind in d.worker_types)
            hint = (
                f" (workers for {kind}: {available})"
                if available
                else f" (no {kind} worker is available in this version)"
            )
            raise ExperimentError(where, f"{exc}{hint}") from None
    return WorkerAssignment(worker_id, kind, settings)


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ExperimentError(where, f"expected a table, got {type(value).__name__} {value!r:.40}")
    return value


def _int(value: Any, where: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ExperimentError(where, f"expected a whole number >= {minimum}, got {value!r}")
    return value


def _known_keys(table: dict[str, Any], known: set[str], where: str) -> None:
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = (
                f"; did you mean {close[0]!r}?"
                if close
                else f" (known: {', '.join(sorted(known))})"
            )
            raise ExperimentError(f"{where}.{key}" if where else key, f"unknown key{hint}")
