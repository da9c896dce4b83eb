"""One player of an operator (`[operators.workers.<player>]`) -> a checked `WorkerAssignment`.

A player is a built-in worker (its settings checked by the worker itself), a human at this
keyboard, or any program (`command = "..."`). Policy files are found from the experiment
file's folder; API keys are refused (they belong in the environment).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mosaic_tui.core import WORKER_TYPES, WorkerAssignment, is_secret_key
from mosaic_tui.experiments.spec_checks import (
    ExperimentError,
    _checked_command,
    _host,
    _table,
)
from mosaic_tui.protocol.worker_settings import LLM_KEY_VARIABLES
from mosaic_tui.runtime import command_line
from mosaic_tui.runtime.launcher import CATALOG, LaunchError, worker

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
_PLAYER_KEYS = {"type", "worker_type", "worker", "worker_id", "settings", "host"}


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
