"""What an operator gives its command workers (runtime/command_line.py): the placeholders'
values, the reference GUI's environment variables, the folder it may write to; and an
env-owning command worker as the runner's env process."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from mosaic_tui.core import OperatorConfig
from mosaic_tui.protocol import FrameRequest, Init
from mosaic_tui.protocol.dialect import NATIVE
from mosaic_tui.runtime import command_line
from mosaic_tui.runtime.launcher import LaunchError, worker
from mosaic_tui.runtime.process import WorkerProcess
from mosaic_tui.runtime.spawn import Spawn


class CommandContext:
    """One operator's command-worker context; called with a player id (None: the env's)."""

    def __init__(self, config: OperatorConfig, run_id: str, log_dir: Path | None) -> None:
        self.config = config
        self.run_id = run_id
        self.log_dir = log_dir
        self._telemetry: Path | None = None

    def __call__(self, player_id: str | None = None) -> tuple[dict[str, str], dict[str, str]]:
        telemetry = self.telemetry_dir()
        values = {
            "run_id": self.run_id,
            "env_name": self.config.env_name,
            "task": self.config.task,
            "seed": "0" if self.config.seed is None else str(self.config.seed),
            "telemetry_dir": str(telemetry),
        }
        if player_id is not None:
            values["player_id"] = player_id
        env = command_line.environment(
            self.run_id, self.config.operator_id, telemetry, self.config.view_size
        )
        return values, env

    def telemetry_dir(self) -> Path:
        """Where command workers may write (the reference's TELEMETRY_DIR): beside the logs,
        or a temporary folder of this run's own. Made when first asked for."""
        if self._telemetry is None:
            if self.log_dir is not None:
                safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.run_id)
                self._telemetry = self.log_dir / "telemetry" / safe
                self._telemetry.mkdir(parents=True, exist_ok=True)
            else:
                self._telemetry = Path(tempfile.mkdtemp(prefix="mosaic-tui-telemetry-"))
        return self._telemetry


def env_process(
    context: CommandContext,
    *,
    log_path: Path | None,
    spawn: Spawn | None,
    frame: FrameRequest | None,
    on_progress: Callable[[str], None],
) -> WorkerProcess:
    """The operator's `[operators.env] command`, started like the built-in env worker (no
    window, no pygame banner) and spoken to in its dialect."""
    config = context.config
    values, env = context()
    try:
        argv = command_line.expand(config.env_command or "", values)
    except command_line.CommandError as exc:
        raise LaunchError(f"{config.operator_id}: env command: {exc}") from None
    where = f"@{config.host}" if config.host else ""
    process = WorkerProcess(
        argv,
        name=f"{command_line.label(argv)}[{config.task}]{where}",
        host=config.host,
        log_path=log_path,
        env={**env, **worker("env_worker").base_env},
        spawn=spawn,
        dialect=config.env_dialect,
        frame=frame,
    )
    process.on_progress = on_progress
    return process


def described(config: OperatorConfig, run_id: str, init: Init | None, dialect: str) -> Init:
    """The env as its worker describes it; a reference worker describes nothing, so its
    players are the operator's and they take turns as the operator says."""
    if init is not None and dialect == NATIVE:
        return init
    agents = list(config.workers)
    return Init(
        protocol=0,
        worker=init.worker if init is not None else "",
        role="env",
        run_id=run_id,
        env_id=config.task,
        agents=agents if len(agents) > 1 else None,
        max_steps=config.max_steps,
        stepping=config.paradigm.value,
    )
