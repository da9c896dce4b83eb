"""The env worker an operator starts: ours for a catalogued task (its settings checked first,
so a bad one is a launch error naming the operator), on this host or another."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mosaic_tui.core import OperatorConfig
from mosaic_tui.envs import EnvError, env_settings
from mosaic_tui.runtime.launcher import LaunchError, worker
from mosaic_tui.runtime.process import WorkerProcess
from mosaic_tui.runtime.spawn import Spawn


def env_worker_process(
    config: OperatorConfig,
    run_id: str,
    *,
    log_path: Path | None,
    spawn: Spawn | None,
    plays: dict[str, Any] | None,
) -> WorkerProcess:
    """`plays`: the env worker's settings to play every seat itself (`players.env_plays`)."""
    try:
        built_with = env_settings(
            config.task,
            config.env_settings,
            view_size=config.view_size,
            observation_mode=config.observation_mode if config.is_multiagent else None,
        )
    except EnvError as exc:
        raise LaunchError(f"{config.operator_id}: {exc}") from None
    settings: dict[str, Any] = {"env_settings": built_with or None}
    if config.is_multiagent:
        settings["execution_mode"] = config.execution_mode
    settings.update(plays or {})
    argv, env = worker("env_worker").command(run_id, settings, env_id=config.task)
    host = config.host
    return WorkerProcess(
        argv,
        name=f"env_worker[{config.task}]" + (f"@{host}" if host else ""),
        log_path=log_path,
        env=env,
        spawn=spawn,
        host=host,
    )
