"""Configuration of one operator: an environment task plus a decision-maker per player.

Validation happens on construction so a bad experiment file or form fails at load time with
a readable message, not halfway through a run.
"""

from __future__ import annotations

import copy as _copy
import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mosaic_tui.core.assignment import WorkerAssignment, redact_secrets
from mosaic_tui.core.hosts import check_host
from mosaic_tui.protocol.dialect import DIALECTS
from mosaic_tui.protocol.stepping import EXECUTION_MODES, SteppingParadigm
from mosaic_tui.protocol.worker_settings import COORDINATION_LEVELS  # the LLM worker's levels

__all__ = [
    "COORDINATION_LEVELS",
    "COORDINATION_WITHOUT_LLM",
    "LANGUAGE_MODEL_TYPES",
    "OBSERVATION_MODES",
    "ID_RULE",
    "OperatorConfig",
    "check_id",
    "default_workers",
]

OBSERVATION_MODES: tuple[str, ...] = ("egocentric", "visible_teammates")
#: Worker types whose prompt the coordination level changes (COORDINATION_LEVELS: 1 emergent,
#: 2 basic hints, 3 role-based, declared with the LLM worker's settings).
LANGUAGE_MODEL_TYPES: tuple[str, ...] = ("llm", "vlm")
COORDINATION_WITHOUT_LLM = (
    "coordination_level applies to LLM players; this operator has none:"
    " remove it or assign an LLM player"
)

_SINGLE_AGENT_ID = "agent"

#: Operator and player ids name log files, run ids and panes, and are printed: a safe set only.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
ID_RULE = "use 1-64 ASCII letters, digits, '_', '-' or '.', starting with a letter or digit"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def check_id(kind: str, value: object) -> str:
    """`value` if it is a safe id; otherwise a ValueError that says which characters are allowed
    (and never echoes control characters back to the terminal)."""
    if isinstance(value, str) and _ID.fullmatch(value):
        return value
    shown = _CONTROL.sub("?", repr(value))[:70] if isinstance(value, str) else type(value).__name__
    raise ValueError(f"{kind} {shown} is not allowed: {ID_RULE}")


def default_workers() -> dict[str, WorkerAssignment]:
    """A random baseline: runs offline, needs no key (the reference defaulted to an LLM)."""
    return {
        _SINGLE_AGENT_ID: WorkerAssignment("baseline_worker", "baseline", {"behavior": "random"})
    }


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


#: Steps in one episode at most: a billion is days of stepping; a bigger number is a typo.
MAX_STEPS = 10**9


def _check_optional_positive(name: str, value: Any, maximum: int = MAX_STEPS) -> None:
    if value is not None and not (_is_int(value) and 1 <= value <= maximum):
        raise ValueError(
            f"{name} must be None or an integer from 1 to {maximum:,}, got {value!r:.30}"
        )


@dataclass(repr=False)
class OperatorConfig:
    """One operator; ``workers`` maps player id ("agent", "player_0", ...) to its assignment."""

    operator_id: str
    display_name: str
    env_name: str = "babyai"
    task: str = "BabyAI-GoToRedBall-v0"
    workers: dict[str, WorkerAssignment] = field(default_factory=dict)
    run_id: str | None = None
    execution_mode: str = "aec"
    max_steps: int | None = None
    observation_mode: str = "visible_teammates"
    coordination_level: int = 1
    view_size: int | None = None
    seed: int | None = None
    env_settings: dict[str, Any] = field(default_factory=dict)
    # A program in place of the built-in env worker (runtime/command_line.py), and how to
    # speak to it: "auto" (its first line says), "mosaic" (the reference's), "mosaic-tui".
    env_command: str | None = None
    env_dialect: str = "auto"
    # Where the env worker runs, and the players that name no host of their own: an ssh
    # destination (core/hosts.py); "" or None: this machine.
    host: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.operator_id, str) or not self.operator_id.strip():
            raise ValueError("operator_id must be a non-empty string")
        check_id("operator id", self.operator_id)
        if not isinstance(self.display_name, str) or _CONTROL.search(self.display_name):
            raise ValueError(
                f"display name {_CONTROL.sub('?', repr(self.display_name))[:70]} must be text"
                " without control characters"
            )
        if self.execution_mode not in EXECUTION_MODES:
            raise ValueError(
                f"execution_mode must be one of {EXECUTION_MODES}, got {self.execution_mode!r}"
            )
        _check_optional_positive("max_steps", self.max_steps)
        _check_optional_positive("view_size", self.view_size)
        if not (
            _is_int(self.coordination_level) and self.coordination_level in COORDINATION_LEVELS
        ):
            raise ValueError(
                f"coordination_level must be 1, 2 or 3, got {self.coordination_level!r}"
            )
        if self.observation_mode not in OBSERVATION_MODES:
            raise ValueError(
                f"observation_mode must be one of {OBSERVATION_MODES}, "
                f"got {self.observation_mode!r}"
            )
        if self.seed is not None and not (_is_int(self.seed) and self.seed >= 0):
            raise ValueError(f"seed must be None or an integer >= 0, got {self.seed!r}")
        if not isinstance(self.env_settings, Mapping):
            raise TypeError("env_settings must be a mapping")
        if self.env_command is not None and (
            not isinstance(self.env_command, str) or not self.env_command.strip()
        ):
            raise ValueError("env_command must be None or a non-empty command line")
        if self.env_dialect not in DIALECTS:
            raise ValueError(
                f"env_dialect must be one of {', '.join(DIALECTS)}, got {self.env_dialect!r}"
            )
        self.env_settings = dict(self.env_settings)
        if self.host is not None:
            self.host = check_host(self.host) or None
        if not isinstance(self.workers, Mapping):
            raise TypeError("workers must be a mapping of player id to WorkerAssignment")
        if not self.workers:
            self.workers = default_workers()
        for player_id, assignment in self.workers.items():
            if not isinstance(player_id, str) or not player_id:
                raise ValueError(f"player ids must be non-empty strings, got {player_id!r}")
            check_id("player id", player_id)
            if not isinstance(assignment, WorkerAssignment):
                raise TypeError(
                    f"workers[{player_id!r}] must be a WorkerAssignment, "
                    f"got {type(assignment).__name__}"
                )
        self.workers = dict(self.workers)
        if self.coordination_level != 1 and not self.language_model_players():
            raise ValueError(COORDINATION_WITHOUT_LLM)

    def __repr__(self) -> str:
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "env_settings":
                value = redact_secrets(value)
            parts.append(f"{f.name}={value!r}")  # workers mask their own secrets
        return f"OperatorConfig({', '.join(parts)})"

    # -- backwards-compatible single-worker view -----------------------------------------
    @property
    def _first(self) -> WorkerAssignment:
        return next(iter(self.workers.values()))

    @property
    def operator_type(self) -> str:
        """The single worker's type, or ``"multiagent"`` when several players are assigned."""
        return "multiagent" if self.is_multiagent else self._first.worker_type

    @property
    def worker_id(self) -> str:
        return self._first.worker_id

    @property
    def settings(self) -> dict[str, Any]:
        return self._first.settings

    # -- players --------------------------------------------------------------------------
    @property
    def is_multiagent(self) -> bool:
        return len(self.workers) > 1

    @property
    def player_ids(self) -> list[str]:
        return list(self.workers)

    @property
    def paradigm(self) -> SteppingParadigm:
        return SteppingParadigm.from_execution_mode(self.execution_mode, len(self.workers))

    def get_worker_for_player(self, player_id: str) -> WorkerAssignment | None:
        return self.workers.get(player_id)

    def get_human_agents(self) -> list[str]:
        return [pid for pid, wa in self.workers.items() if wa.is_human]

    def get_ai_agents(self) -> list[str]:
        return [pid for pid, wa in self.workers.items() if wa.is_ai]

    def is_parallel_multiagent(self) -> bool:
        return self.execution_mode == "parallel" and self.is_multiagent

    def has_human_agents(self) -> bool:
        return any(wa.is_human for wa in self.workers.values())

    def host_of(self, player_id: str) -> str | None:
        """Where this player's worker runs: its own host, else the operator's; None: here."""
        own = self.workers[player_id].host
        return (self.host if own is None else own) or None

    def language_model_players(self) -> list[str]:
        """The players a language model decides for: the ones `coordination_level` is for."""
        return [p for p, wa in self.workers.items() if wa.worker_type in LANGUAGE_MODEL_TYPES]

    # -- factories ------------------------------------------------------------------------
    @classmethod
    def single_agent(
        cls,
        operator_id: str,
        display_name: str,
        worker_id: str,
        worker_type: str,
        env_name: str = "babyai",
        task: str = "BabyAI-GoToRedBall-v0",
        settings: dict[str, Any] | None = None,
        max_steps: int | None = None,
        *,
        seed: int | None = None,
        env_settings: dict[str, Any] | None = None,
    ) -> OperatorConfig:
        return cls(
            operator_id=operator_id,
            display_name=display_name,
            env_name=env_name,
            task=task,
            workers={
                _SINGLE_AGENT_ID: WorkerAssignment(worker_id, worker_type, dict(settings or {}))
            },
            max_steps=max_steps,
            seed=seed,
            env_settings=dict(env_settings or {}),
        )

    @classmethod
    def multi_agent(
        cls,
        operator_id: str,
        display_name: str,
        env_name: str,
        task: str,
        player_workers: Mapping[str, WorkerAssignment],
        execution_mode: str = "aec",
        observation_mode: str = "visible_teammates",
        coordination_level: int = 1,
        max_steps: int | None = None,
        view_size: int | None = None,
        *,
        seed: int | None = None,
        env_settings: dict[str, Any] | None = None,
    ) -> OperatorConfig:
        return cls(
            operator_id=operator_id,
            display_name=display_name,
            env_name=env_name,
            task=task,
            workers=dict(player_workers),
            execution_mode=execution_mode,
            observation_mode=observation_mode,
            coordination_level=coordination_level,
            max_steps=max_steps,
            view_size=view_size,
            seed=seed,
            env_settings=dict(env_settings or {}),
        )

    # -- copies ---------------------------------------------------------------------------
    def replace(self, **changes: Any) -> OperatorConfig:
        """Validated copy with ``changes`` applied; mutable parts are never shared."""
        changes.setdefault("workers", {pid: wa.copy() for pid, wa in self.workers.items()})
        changes.setdefault("env_settings", _copy.deepcopy(self.env_settings))
        return dataclasses.replace(self, **changes)

    def with_run_id(self, run_id: str) -> OperatorConfig:
        """Copy with ``run_id`` set and every other field kept (the reference dropped five)."""
        return self.replace(run_id=run_id)

    # -- plain data -----------------------------------------------------------------------
    def to_dict(self, *, redact: bool = False) -> dict[str, Any]:
        """Plain-data form; secrets are kept unless ``redact=True`` (use it before persisting)."""
        data: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "workers":
                value = {pid: wa.to_dict(redact=redact) for pid, wa in value.items()}
            elif f.name == "env_settings":
                value = redact_secrets(value) if redact else _copy.deepcopy(value)
            data[f.name] = value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OperatorConfig:
        """Inverse of :meth:`to_dict`; unknown keys are errors, not silently ignored settings."""
        if not isinstance(data, Mapping):
            raise TypeError(f"operator config must be a mapping, got {type(data).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown operator config keys: {', '.join(sorted(unknown))}")
        missing = [k for k in ("operator_id", "display_name") if k not in data]
        if missing:
            raise ValueError(f"operator config is missing: {', '.join(missing)}")
        kwargs = dict(data)
        workers = kwargs.get("workers") or {}
        if not isinstance(workers, Mapping):
            raise TypeError("workers must be a mapping of player id to assignment")
        kwargs["workers"] = {
            pid: wa.copy() if isinstance(wa, WorkerAssignment) else WorkerAssignment.from_dict(wa)
            for pid, wa in workers.items()
        }
        kwargs["env_settings"] = _copy.deepcopy(dict(kwargs.get("env_settings") or {}))
        return cls(**kwargs)
