"""One operator (`[[operators]]`) of an experiment file -> a checked `OperatorConfig`.

Its env and task, its players (one `workers.<player>` table per player of the game, read
from the env itself), its execution mode, coordination level, host and `[operators.env]`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from mosaic_tui.core import OperatorConfig
from mosaic_tui.core.config import (
    COORDINATION_LEVELS,
    COORDINATION_WITHOUT_LLM,
    LANGUAGE_MODEL_TYPES,
    check_id,
)
from mosaic_tui.envs import FAMILIES, EnvError, agent_ids, check_task, env_settings, family
from mosaic_tui.experiments.player_tables import _player
from mosaic_tui.experiments.spec_checks import (
    ExperimentError,
    _checked_command,
    _host,
    _known_keys,
    _table,
)
from mosaic_tui.runtime import command_line

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
    "env",
    "host",
}
_ENV_KEYS = set(command_line.COMMAND_KEYS)  # [operators.env]: a program in place of ours


def _operator(
    raw: Any, index: int, default_max_steps: int | None, folder: Path
) -> OperatorConfig:
    where = f"operators[{index}]"
    op = _table(raw, where)
    _known_keys(op, _OPERATOR_KEYS, where)
    for key in ("id", "env_name", "task"):
        if not isinstance(op.get(key), str) or not op[key]:
            raise ExperimentError(f"{where}.{key}", "required (a non-empty string)")
    try:
        check_id("operator id", op["id"])
    except ValueError as exc:
        raise ExperimentError(f"{where}.id", str(exc)) from None
    try:
        family(op["env_name"])
        check_task(op["task"], op["env_name"])
    except EnvError as exc:
        raise ExperimentError(f"{where}.task", str(exc)) from None
    if "workers" not in op:
        raise ExperimentError(
            f"{where}.workers",
            "required: say who plays, one table per player, e.g."
            " workers.agent = { type = 'baseline', behavior = 'random' }"
            " (`mosaic-tui workers` lists the choices)",
        )
    workers_raw = _table(op["workers"], f"{where}.workers")
    if not workers_raw:
        raise ExperimentError(f"{where}.workers", "empty: give one table per player")
    for agent in workers_raw:
        try:
            check_id("player id", agent)
        except ValueError as exc:
            raise ExperimentError(f"{where}.workers", str(exc)) from None
    host = _host(op, where)
    workers = {
        agent: _player(p, f"{where}.workers.{agent}", folder, bool(host))
        for agent, p in workers_raw.items()
    }
    simultaneous_only = FAMILIES[op["env_name"]].kind == "parallel"
    mode = op.get("execution_mode", "parallel" if simultaneous_only else "aec")
    if simultaneous_only and mode != "parallel":
        raise ExperimentError(
            f"{where}.execution_mode",
            f"{op['env_name']} games are simultaneous only; use execution_mode = 'parallel'"
            " (or leave it out)",
        )
    env_table = dict(_table(op.get("env_settings", {}), f"{where}.env_settings"))
    players = _players_of(
        op["task"], mode, env_table, op.get("view_size"), op.get("observation_mode")
    )
    if players is not None and set(players) != set(workers):
        unknown = [p for p in workers if p not in players]
        missing = [p for p in players if p not in workers]
        parts = []
        if unknown:
            parts.append(f"{op['task']} has no player {', '.join(map(repr, unknown))}")
        if missing:
            parts.append(f"nobody plays {', '.join(missing)}")
        raise ExperimentError(
            f"{where}.workers",
            "; ".join(parts) + f" (its players: {', '.join(players)};"
            " give one workers.<player> table per player)",
        )
    env_command, env_dialect = _env_command(op.get("env"), f"{where}.env", bool(host))
    level = op.get("coordination_level", 1)  # a bad value is OperatorConfig's to refuse
    if (
        type(level) is int
        and level in COORDINATION_LEVELS[1:]
        and not any(wa.worker_type in LANGUAGE_MODEL_TYPES for wa in workers.values())
    ):
        raise ExperimentError(f"{where}.coordination_level", COORDINATION_WITHOUT_LLM)
    for agent, wa in workers.items():  # a role is what level 3 (role-based) gives a player
        if "role" in wa.settings and wa.settings.get("coordination_level", level) != 3:
            raise ExperimentError(
                f"{where}.workers.{agent}.role",
                "a role is given only at coordination_level = 3 (role-based); set"
                " coordination_level = 3 on the operator (or this player), or remove the role",
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
            env_settings=env_table,
            env_command=env_command,
            env_dialect=env_dialect,
            host=host or None,
            **{
                k: op[k] for k in ("observation_mode", "coordination_level", "view_size") if k in op
            },
        )
    except (TypeError, ValueError) as exc:
        raise ExperimentError(where, str(exc)) from None


def _env_command(raw: Any, where: str, remote: bool = False) -> tuple[str | None, str]:
    """`[operators.env]`: a command (and dialect) that owns the env in place of ours."""
    if raw is None:
        return None, "auto"
    env = _table(raw, where)
    _known_keys(env, _ENV_KEYS, where)
    if "command" not in env:
        raise ExperimentError(f"{where}.command", "required: the program that owns the env")
    dialect = _checked_command(env, where, remote)
    if "{player_id}" in env["command"]:
        raise ExperimentError(f"{where}.command", "{player_id} names a player; an env has none")
    return env["command"], dialect


def _players_of(
    task: str,
    mode: str,
    settings: dict[str, Any],
    view_size: Any,
    observation_mode: Any,
) -> list[str] | None:
    """The task's player ids, read from the env itself; None when it cannot be built here
    (the run then reports the env's own error when it starts)."""
    try:
        fam = check_task(task)
        if fam.kind == "single":
            return ["agent"]
        built = env_settings(
            task,
            settings,
            view_size=view_size if isinstance(view_size, int) else None,
            observation_mode=observation_mode if isinstance(observation_mode, str) else None,
        )
        if not built or fam.name == "multigrid":  # MultiGrid's settings never change players
            return list(_task_players(task))
        from mosaic_tui.envs import make_env

        env = make_env(task, render_mode=None, execution_mode=mode, **built)
        try:
            return [str(a) for a in env.possible_agents]
        finally:
            env.close()
    except Exception:  # noqa: BLE001 - any env error is reported by the worker with its log
        return None


@functools.lru_cache(maxsize=32)
def _task_players(task: str) -> tuple[str, ...]:
    return tuple(agent_ids(task))
