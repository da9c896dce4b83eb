"""Experiment files: TOML (or the same shape as a dict) -> a checked `ExperimentSpec`.

Every problem is reported with the file and the key path (`operators[1].workers.agent.type`)
and what would be valid, before any worker starts. Unknown keys are errors, not ignored.

The top level and `[execution]` (episodes, seeds) are read here; one `[[operators]]` table in
`operator_tables`, one player in `player_tables`, the value checks and `ExperimentError` in
`spec_checks`. Their public names are re-exported here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mosaic_tui.core import OperatorConfig
from mosaic_tui.core.config import MAX_STEPS
from mosaic_tui.core.hosts import HostError
from mosaic_tui.envs.families import FAMILIES
from mosaic_tui.experiments.operator_tables import _operator
from mosaic_tui.experiments.player_tables import DEFAULT_WORKER, KEY_VARIABLES, NOT_AVAILABLE_YET
from mosaic_tui.experiments.seeds import SeedSchedule
from mosaic_tui.experiments.spec_checks import ExperimentError, _int, _known_keys, _table
from mosaic_tui.runtime.remote import Host, hosts_file, parse_hosts, read_hosts

__all__ = [
    "DEFAULT_WORKER",
    "ENVIRONMENT_MODES",
    "KEY_VARIABLES",
    "MAX_EPISODES",
    "MAX_SEED",
    "NOT_AVAILABLE_YET",
    "ExperimentError",
    "ExperimentSpec",
    "SeedSchedule",
    "load",
    "parse",
]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: More episodes than this per run is refused: at ~10k episodes/s it is already hours of work.
MAX_EPISODES = 10_000_000
#: Seeds are stored as SQLite integers (signed 64-bit).
MAX_SEED = 2**63 - 1
_TOP_KEYS = {"name", "description", "execution", "operators", "hosts"}
_EXECUTION_KEYS = {"episodes", "seeds", "seed", "max_steps", "environment_mode", "auto_run"}
#: "procedural": episode i gets the schedule's seed i; "fixed": every episode the first seed
#: (the same layout each time: only the decision-makers vary), as the reference names them.
ENVIRONMENT_MODES = ("procedural", "fixed")


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
    #: The file says how many episodes (`episodes`, or a list of `seeds`): the app plays them
    #: and pauses. Without, `run` plays one and the app plays on.
    planned: bool = False

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
    """`source`: the file it was read from (in error messages, and recorded with each session
    it runs); `folder`: where relative paths in the file (policies) are read from; default the
    working directory."""
    from mosaic_tui.experiments.tournament import TournamentError, expand, is_tournament

    try:
        if is_tournament(data):
            experiment, about = expand(data)
            spec = _parse(experiment, default_name, folder or Path.cwd())
            spec = dataclasses.replace(spec, tournament=about, source=source)
        else:
            spec = _parse(data, default_name, folder or Path.cwd())
            spec = dataclasses.replace(spec, source=source)
    except TournamentError as exc:
        raise ExperimentError(exc.where, exc.message, source) from None
    except ExperimentError as exc:
        raise ExperimentError(exc.where, exc.message, source) from None
    except RecursionError:
        raise ExperimentError("", _TOO_DEEP, source) from None
    _host_settings(spec)
    return spec


def _host_settings(spec: ExperimentSpec) -> None:
    """The hosts the file names and gives no [hosts] table of its own are reached with the
    settings in hosts.toml: that file is read now, before anything starts, so a mistake in it
    is refused here (naming that file and its key) rather than when the first worker on one
    of those hosts starts, after other operators have played."""
    named: dict[str, str] = {}  # host -> the first key of this file that names it
    for i, config in enumerate(spec.operators):
        if config.host and config.host not in spec.hosts:
            named.setdefault(config.host, f"operators[{i}].host")
        for player, assignment in config.workers.items():
            if assignment.host and assignment.host not in spec.hosts:
                named.setdefault(assignment.host, f"operators[{i}].workers.{player}.host")
    if not named:
        return
    try:
        read_hosts(hosts_file())
    except HostError as exc:
        text = str(exc)
        at_fault = (n for n in named if f"hosts.{n}:" in text or f"hosts.{n}." in text)
        name = next(at_fault, next(iter(named)))
        where = f" in {spec.source}" if spec.source else ""
        raise ExperimentError("", f"{text} (read for {named[name]} = {name!r}{where})") from None


def _parse(data: dict[str, Any], default_name: str, folder: Path) -> ExperimentSpec:
    _known_keys(data, _TOP_KEYS, "")
    execution = _table(data.get("execution", {}), "execution")
    _known_keys(execution, _EXECUTION_KEYS, "execution")
    listed = execution.get("seeds")
    counted = isinstance(listed, (list, range)) and len(listed) > 0
    # a list of seeds without `episodes` is one episode per seed (as the README's example)
    key = "execution.episodes" if "episodes" in execution or not counted else "execution.seeds"
    episodes = _int(execution.get("episodes", len(listed) if counted else 1), key, minimum=1)
    if episodes > MAX_EPISODES:
        raise ExperimentError(
            key,
            f"{episodes:,} episodes is more than the {MAX_EPISODES:,} one run may have;"
            " split the sweep into several files (or runs with different seed = N)",
        )
    seeds = _seeds(execution, episodes)
    max_steps = execution.get("max_steps")
    if max_steps is not None:
        _int(max_steps, "execution.max_steps", minimum=1, maximum=MAX_STEPS)
    raw_ops = data.get("operators")
    if not isinstance(raw_ops, list) or not raw_ops:
        raise ExperimentError("operators", "add at least one [[operators]] table")
    if len(raw_ops) > 64:
        raise ExperimentError("operators", f"{len(raw_ops)} operators; at most 64 run at once")
    try:
        hosts = parse_hosts(data.get("hosts", {}))
    except HostError as exc:
        raise ExperimentError("hosts", str(exc)) from None
    _missing_families(raw_ops)
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
    planned = "episodes" in execution or counted
    return ExperimentSpec(
        str(name), episodes, seeds, operators, auto_run=auto_run, hosts=hosts, planned=planned
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
        if not isinstance(seeds, (list, range)) or not seeds:
            raise ExperimentError("execution.seeds", "expected a list of whole numbers")
        if len(seeds) < episodes and execution.get("environment_mode") != "fixed":
            raise ExperimentError(
                "execution.seeds",
                f"{len(seeds)} seeds for {episodes} episodes; give one seed per episode, or"
                " leave `episodes` out to play one per seed (or use seed = N for N, N+1, ...)",
            )
        if isinstance(seeds, range):  # a script's range(...): checked by its ends, kept small
            for i in (0, -1):
                _int(seeds[i], f"execution.seeds[{i % len(seeds)}]", minimum=0, maximum=MAX_SEED)
            if seeds.step == 1:
                return SeedSchedule(seeds.start, min(episodes, len(seeds)))
            return SeedSchedule(listed=seeds[:episodes], count=episodes)
        # every seed is checked, also those past `episodes` (which are not played)
        values = tuple(
            _int(s, f"execution.seeds[{i}]", minimum=0, maximum=MAX_SEED)
            for i, s in enumerate(seeds)
        )
        return SeedSchedule(listed=values[:episodes], count=episodes)
    first = _int(execution.get("seed", 0), "execution.seed", minimum=0, maximum=MAX_SEED)
    if first + episodes - 1 > MAX_SEED:
        raise ExperimentError(
            "execution.seed", f"seed + episodes must stay below 2**63; got seed = {first}"
        )
    return SeedSchedule(first, episodes)


def _missing_families(raw_ops: list[Any]) -> None:
    """Two or more families the file uses are not installed: name them all, with one pip
    command, rather than one per try (one alone is said where its operator is checked)."""
    missing: dict[str, list[int]] = {}
    for i, op in enumerate(raw_ops):
        name = op.get("env_name") if isinstance(op, dict) else None
        if isinstance(name, str) and name in FAMILIES and not FAMILIES[name].installed:
            missing.setdefault(name, []).append(i)
    if len(missing) < 2:
        return
    extras = sorted({FAMILIES[n].extra for n in missing if FAMILIES[n].extra})
    used = "; ".join(f"{n} (operators[{', '.join(map(str, at))}])" for n, at in missing.items())
    raise ExperimentError(
        "operators",
        f"{len(missing)} families are not installed: {used}:"
        f" pip install 'mosaic-tui[{','.join(extras)}]'",
    )
