"""Experiment files: TOML (or the same shape as a dict) -> a checked `ExperimentSpec`.

Every problem is reported with the file and the key path (`operators[1].workers.agent.type`)
and what would be valid, before any worker starts. Unknown keys are errors, not ignored.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mosaic_tui.core import WORKER_TYPES, OperatorConfig, WorkerAssignment, is_secret_key
from mosaic_tui.core.config import (
    COORDINATION_LEVELS,
    COORDINATION_WITHOUT_LLM,
    LANGUAGE_MODEL_TYPES,
    check_id,
)
from mosaic_tui.core.hosts import HostError, check_host
from mosaic_tui.envs import FAMILIES, EnvError, agent_ids, check_task, env_settings, family
from mosaic_tui.experiments.seeds import SeedSchedule
from mosaic_tui.protocol.worker_settings import LLM_KEY_VARIABLES
from mosaic_tui.runtime import command_line
from mosaic_tui.runtime.launcher import CATALOG, LaunchError, worker
from mosaic_tui.runtime.remote import Host, parse_hosts

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_WORKER = {
    "baseline": "baseline_worker",
    "human": "human",
    "llm": "llm_worker",
    "rl": "rl_worker",
    "vlm": "llm_worker",  # with the picture: a vlm player is shown the frame each turn
}
#: Player types the file format names but this version cannot run yet (none, at present:
#: kept so a type can be named here, with its message, while its worker is on the way).
NOT_AVAILABLE_YET: dict[str, str] = {}
KEY_VARIABLES = LLM_KEY_VARIABLES  # where the LLM worker reads its key
#: More episodes than this per run is refused: at ~10k episodes/s it is already hours of work.
MAX_EPISODES = 10_000_000
#: Seeds are stored as SQLite integers (signed 64-bit).
MAX_SEED = 2**63 - 1
_TOP_KEYS = {"name", "description", "execution", "operators", "hosts"}
_EXECUTION_KEYS = {"episodes", "seeds", "seed", "max_steps", "environment_mode", "auto_run"}
#: "procedural": episode i gets the schedule's seed i; "fixed": every episode the first seed
#: (the same layout each time: only the decision-makers vary), as the reference names them.
ENVIRONMENT_MODES = ("procedural", "fixed")
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
_PLAYER_KEYS = {"type", "worker_type", "worker", "worker_id", "settings", "host"}


class ExperimentError(ValueError):
    """A problem in an experiment file, located by key path."""

    def __init__(self, where: str, message: str, source: str | None = None) -> None:
        # keys and values come from the file: control characters are shown, never sent raw
        where, message = _visible(where), _visible(message)
        source = None if source is None else _visible(source)
        self.where, self.message, self.source = where, message, source
        prefix = f"{source}: " if source else ""
        super().__init__(f"{prefix}{where}: {message}" if where else f"{prefix}{message}")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # not \t, \n


def _visible(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


@dataclass(frozen=True)
class ExperimentSpec:
    name: str
    episodes: int
    seeds: SeedSchedule
    operators: tuple[OperatorConfig, ...]
    source: str | None = None
    auto_run: bool | None = None  # the app starts running (None: its own default)
    digest: str | None = None  # the file's SHA-256, recorded with each session it runs
    tournament: dict[str, Any] | None = None  # a tournament file's players and seats
    hosts: Mapping[str, Host] = dataclasses.field(default_factory=dict)  # [hosts.NAME] tables

    def seed_for(self, episode: int) -> int:
        return self.seeds[episode]


def load(path: str | Path) -> ExperimentSpec:
    """Read and check an experiment file."""
    path = Path(path)
    try:
        if path.suffix == ".py":  # the reference's script format: parsed, never run
            from mosaic_tui.experiments.script import ScriptError, read_script

            try:
                data = read_script(path)
            except ScriptError as exc:
                where = f"line {exc.line}" if exc.line else ""
                raise ExperimentError(where, exc.args[0], str(path)) from None
        else:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExperimentError("", f"no such file {str(path)!r}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError("", f"not valid TOML: {exc}", str(path)) from None
    except RecursionError:
        raise ExperimentError("", _TOO_DEEP, str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ExperimentError("", f"cannot read the file: {exc}", str(path)) from None
    spec = parse(data, source=str(path), default_name=path.stem, folder=path.parent)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:  # read a moment ago; gone now: the session says it does not know
        digest = None
    return dataclasses.replace(spec, digest=digest)


_TOO_DEEP = (
    "tables or lists are nested too deeply to read; an experiment file needs only a few"
    " levels (see examples/)"
)


def parse(
    data: dict[str, Any],
    *,
    source: str | None = None,
    default_name: str = "experiment",
    folder: Path | None = None,
) -> ExperimentSpec:
    """`folder`: where relative paths in the file (policies) are read from; default the
    working directory."""
    from mosaic_tui.experiments.tournament import TournamentError, expand, is_tournament

    try:
        if is_tournament(data):
            experiment, about = expand(data)
            spec = _parse(experiment, default_name, folder or Path.cwd())
            return dataclasses.replace(spec, tournament=about)
        return _parse(data, default_name, folder or Path.cwd())
    except TournamentError as exc:
        raise ExperimentError(exc.where, exc.message, source) from None
    except ExperimentError as exc:
        raise ExperimentError(exc.where, exc.message, source) from None
    except RecursionError:
        raise ExperimentError("", _TOO_DEEP, source) from None


def _parse(data: dict[str, Any], default_name: str, folder: Path) -> ExperimentSpec:
    _known_keys(data, _TOP_KEYS, "")
    execution = _table(data.get("execution", {}), "execution")
    _known_keys(execution, _EXECUTION_KEYS, "execution")
    episodes = _int(execution.get("episodes", 1), "execution.episodes", minimum=1)
    if episodes > MAX_EPISODES:
        raise ExperimentError(
            "execution.episodes",
            f"{episodes:,} episodes is more than the {MAX_EPISODES:,} one run may have;"
            " split the sweep into several files (or runs with different seed = N)",
        )
    seeds = _seeds(execution, episodes)
    max_steps = execution.get("max_steps")
    if max_steps is not None:
        _int(max_steps, "execution.max_steps", minimum=1)
    raw_ops = data.get("operators")
    if not isinstance(raw_ops, list) or not raw_ops:
        raise ExperimentError("operators", "add at least one [[operators]] table")
    if len(raw_ops) > 64:
        raise ExperimentError("operators", f"{len(raw_ops)} operators; at most 64 run at once")
    try:
        hosts = parse_hosts(data.get("hosts", {}))
    except HostError as exc:
        raise ExperimentError("hosts", str(exc)) from None
    operators = tuple(_operator(op, i, max_steps, folder) for i, op in enumerate(raw_ops))
    ids = [op.operator_id for op in operators]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ExperimentError(
            "operators", f"operator ids must be unique; repeated: {', '.join(dupes)}"
        )
    name = data.get("name", default_name)
    auto_run = execution.get("auto_run")
    if auto_run is not None and not isinstance(auto_run, bool):
        raise ExperimentError("execution.auto_run", f"expected true or false, got {auto_run!r:.40}")
    return ExperimentSpec(
        str(name), episodes, seeds, operators, auto_run=auto_run, hosts=hosts
    )


def _seeds(execution: dict[str, Any], episodes: int) -> SeedSchedule:
    mode = execution.get("environment_mode", "procedural")
    if mode not in ENVIRONMENT_MODES:
        raise ExperimentError(
            "execution.environment_mode",
            f"{mode!r:.40} is not one of {', '.join(ENVIRONMENT_MODES)} (fixed: every episode"
            " on the first seed; procedural: one seed per episode)",
        )
    schedule = _schedule(execution, episodes)
    if mode == "fixed":
        return SeedSchedule(schedule[0], episodes, step=0)
    return schedule


def _schedule(execution: dict[str, Any], episodes: int) -> SeedSchedule:
    if "seeds" in execution and "seed" in execution:
        raise ExperimentError("execution", "give either seeds = [...] or seed = N, not both")
    if "seeds" in execution:
        seeds = execution["seeds"]
        if not isinstance(seeds, list) or not seeds:
            raise ExperimentError("execution.seeds", "expected a list of whole numbers")
        if len(seeds) < episodes and execution.get("environment_mode") != "fixed":
            raise ExperimentError(
                "execution.seeds",
                f"{len(seeds)} seeds for {episodes} episodes;"
                " give one seed per episode (or use seed = N for N, N+1, ...)",
            )
        values = tuple(
            _int(s, f"execution.seeds[{i}]", minimum=0, maximum=MAX_SEED)
            for i, s in enumerate(seeds[:episodes])
        )
        return SeedSchedule(listed=values, count=episodes)
    first = _int(execution.get("seed", 0), "execution.seed", minimum=0, maximum=MAX_SEED)
    if first + episodes - 1 > MAX_SEED:
        raise ExperimentError(
            "execution.seed", f"seed + episodes must stay below 2**63; got seed = {first}"
        )
    return SeedSchedule(first, episodes)


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


def _host(table: dict[str, Any], where: str) -> str | None:
    """A table's `host` checked ("" for this machine), None when it names none."""
    if "host" not in table:
        return None
    try:
        return check_host(table["host"])
    except HostError as exc:
        raise ExperimentError(f"{where}.host", str(exc)) from None


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


def _checked_command(table: dict[str, Any], where: str, remote: bool = False) -> str:
    """A table's `command` and `dialect` checked (errors at their key); the dialect. A remote
    command's program is not looked for here: it is on its host."""
    dialect = table.get("dialect", "auto")
    try:
        command_line.check(table["command"], dialect, look=not remote)
    except command_line.CommandError as exc:
        key = "dialect" if str(exc).startswith("dialect") else "command"
        raise ExperimentError(f"{where}.{key}", str(exc)) from None
    return dialect


def _command_player(
    player: dict[str, Any], kind: Any, where: str, host: str | None, remote: bool
) -> WorkerAssignment:
    """A player whose decisions a program makes: `command = "..."` (and `dialect`)."""
    if kind == "human":
        raise ExperimentError(f"{where}.command", "a human player runs no program; remove it")
    if kind not in WORKER_TYPES:
        raise ExperimentError(f"{where}.type", f"{kind!r} is not one of {', '.join(WORKER_TYPES)}")
    extra = sorted(set(player) - {"type", "worker_type", "host", *command_line.COMMAND_KEYS})
    if extra:
        raise ExperimentError(
            f"{where}.{extra[0]}",
            "a command player takes its settings on its command line; remove this key"
            " or put it in the command",
        )
    dialect = _checked_command(player, where, remote)
    return WorkerAssignment(
        command_line.COMMAND_WORKER,
        kind,
        {"command": player["command"], "dialect": dialect},
        host,
    )


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


def _player(raw: Any, where: str, folder: Path, remote_operator: bool) -> WorkerAssignment:
    """One player; `remote_operator`: its operator names a host, which it runs on unless it
    names one of its own ("local" for this machine)."""
    player = _table(raw, where)
    kind = player.get("type", player.get("worker_type"))
    host = _host(player, where)
    remote = bool(host) or (host is None and remote_operator)
    if host and kind == "human":
        raise ExperimentError(f"{where}.host", "a human player plays at this keyboard: remove it")
    if "command" in player:  # any program: its type is what it is, rl and vlm included
        return _command_player(player, kind, where, host, remote)
    if kind in NOT_AVAILABLE_YET:
        raise ExperimentError(f"{where}.type", NOT_AVAILABLE_YET[kind])
    if kind not in WORKER_TYPES:
        offered = [t for t in WORKER_TYPES if t not in NOT_AVAILABLE_YET]
        raise ExperimentError(f"{where}.type", f"{kind!r} is not one of {', '.join(offered)}")
    worker_id = player.get("worker", player.get("worker_id", DEFAULT_WORKER[kind]))
    settings = dict(_table(player.get("settings", {}), f"{where}.settings"))
    settings.update({k: v for k, v in player.items() if k not in _PLAYER_KEYS})
    secret = _secret_setting(settings)
    if secret is not None:
        raise ExperimentError(
            f"{where}.{secret}",
            "API keys do not belong in experiment files (they end up in shells, logs and"
            f" version control); remove it and set {KEY_VARIABLES[0]} (or {KEY_VARIABLES[1]})"
            " in the environment instead",
        )
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
    if "policy_path" in settings and isinstance(settings["policy_path"], str) and not remote:
        settings["policy_path"] = _policy(settings["policy_path"], f"{where}.policy_path", folder)
    return WorkerAssignment(worker_id, kind, settings, None if kind == "human" else host)


def _policy(text: str, where: str, folder: Path) -> str:
    """A policy file, as an absolute path (workers start in any folder); a relative one is
    read from the experiment file's folder."""
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = folder / path
    if not path.is_file():
        raise ExperimentError(
            where,
            f"no policy file {str(path)!r} (a relative path is read from the experiment"
            " file's folder; examples/policies/ holds the ones mosaic-tui ships)",
        )
    return str(path.resolve())


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ExperimentError(where, f"expected a table, got {type(value).__name__} {value!r:.40}")
    return value


def _secret_setting(settings: dict[str, Any], prefix: str = "") -> str | None:
    """The key path of the first credential-looking setting, at any depth."""
    for key, value in settings.items():
        if is_secret_key(key):
            return f"{prefix}{key}"
        if isinstance(value, dict):
            found = _secret_setting(value, f"{prefix}{key}.")
            if found is not None:
                return found
    return None


def _int(value: Any, where: str, *, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ExperimentError(where, f"expected a whole number >= {minimum}, got {value!r:.40}")
    if maximum is not None and value > maximum:
        raise ExperimentError(where, f"expected a whole number <= {maximum}, got {value!r:.40}")
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
