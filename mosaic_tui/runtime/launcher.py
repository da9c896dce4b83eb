"""The worker catalogue, and turning a worker plus its settings into a command line.

Every setting a worker accepts is declared once, in `mosaic_tui.protocol.worker_settings`: the
worker builds its command line from the same list, so the two cannot disagree. A setting the
worker does not declare is an error naming the ones it does, never silently dropped. Secret
settings travel in the child's environment, never on its command line (where `ps` would show
them).
"""

from __future__ import annotations

import dataclasses
import difflib
import sys
from dataclasses import dataclass, field
from typing import Any

from mosaic_tui.core.secrets import is_secret_key
from mosaic_tui.protocol.settings import Setting, SettingError
from mosaic_tui.protocol.worker_settings import BASELINE_WORKER, ENV_WORKER, LLM_WORKER, RL_WORKER

# How a worker starts: like `python -m MODULE`, but without the working directory on sys.path,
# so a `json.py` or a `baseline_worker/` folder where the user runs mosaic-tui is never
# imported by a worker. `-P` would do it but exists only on Python >= 3.11; `-I` also drops
# PYTHONPATH and the user site-packages, which users rely on for their own envs (and a
# `pip install --user` of mosaic-tui itself). `-c` puts '' (the working directory) first on
# sys.path after start-up, so the code removes exactly that entry, then runs the module. The
# argv keeps the shape of `[python, "-m", MODULE, *args]`: three items, then the arguments.
BOOT = (
    "import sys\n"
    "if not getattr(sys.flags, 'safe_path', False) and sys.path[:1] == ['']: del sys.path[0]\n"
    "import runpy\n"
    "runpy.run_module({module!r}, run_name='__main__', alter_sys=True)"
)


def boot_argv(module: str, python: str | None = None) -> list[str]:
    """The start of a worker's command line: `python -c CODE` that runs `module`."""
    if not all(part.isidentifier() for part in module.split(".")):
        raise LaunchError(f"worker module {module!r} is not a Python module name")
    return [python or sys.executable, "-c", BOOT.format(module=module)]


def boot_module(argv: list[str]) -> str | None:
    """The module a `boot_argv` command line runs; None for any other command line."""
    if len(argv) < 3 or argv[1] != "-c" or not argv[2].startswith(BOOT.split("{")[0]):
        return None
    module = argv[2].rsplit("run_module(", 1)[-1].split(",", 1)[0].strip("'\"")
    return module if argv[2] == BOOT.format(module=module) else None


class LaunchError(ValueError):
    """A worker or setting that cannot be launched; the message says what to change."""


# The one declaration of a setting (`mosaic_tui.protocol.settings.Setting`), under the name
# the launcher has always used for it.
SettingSpec = Setting


@dataclass(frozen=True)
class WorkerDefinition:
    """A worker program the app can start: what it is, how to run it, what it accepts."""

    worker_id: str
    display_name: str
    description: str
    module: str
    role: str  # "env" owns an environment; "decision" picks one player's actions
    worker_types: tuple[str, ...] = ()
    settings: tuple[SettingSpec, ...] = ()
    supports_multi_agent: bool = False
    speaks_init: bool = True  # False for reference workers, which start without `init`
    base_env: dict[str, str] = field(default_factory=dict)
    # a worker started from a command line (runtime/command_line.py) instead of `module`,
    # spoken to in this dialect: the reference's workers, found by their entry points
    template: str = ""
    dialect: str = "mosaic-tui"
    source: str = ""  # where a plugin worker comes from; "" for the built-in ones

    def setting(self, name: str) -> SettingSpec:
        for spec in self.settings:
            if spec.name == name:
                return spec
        known = [s.name for s in self.settings]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        listed = ", ".join(known) or "none"
        raise LaunchError(f"{self.worker_id} has no setting {name!r}{hint} (it accepts: {listed})")

    def command(
        self,
        run_id: str,
        settings: dict[str, Any] | None = None,
        *,
        env_id: str | None = None,
        player_id: str | None = None,
        python: str | None = None,
    ) -> tuple[list[str], dict[str, str]]:
        """The argv and extra environment that start this worker with these settings."""
        if self.template:
            if settings:
                raise LaunchError(
                    f"{self.worker_id} takes no settings (it is started as {self.template!r});"
                    " give a command = '...' player to change its command line"
                )
            return [], {}  # its argv is built where the placeholders are known (players.py)
        if not self.module:  # the command worker: its argv is the user's (command_line.py)
            raise LaunchError(
                f"the {self.worker_id} worker needs command = '...': the program to run"
            )
        argv = [*boot_argv(self.module, python), "--run-id", run_id]
        if env_id is not None:
            argv += ["--env-id", env_id]
        if player_id is not None:
            argv += ["--player-id", player_id]
        env = dict(self.base_env)
        missing = [
            s.name for s in self.settings if s.required and (settings or {}).get(s.name) is None
        ]
        if missing:
            raise LaunchError(
                f"{self.worker_id} needs the setting(s) {', '.join(missing)}"
                f" ({'; '.join(self.setting(m).help for m in missing)})"
            )
        for name, value in (settings or {}).items():
            if value is None:
                continue
            spec = self.setting(name)
            secret = _nested_secret(value)
            if secret is not None and spec.env_var is None:
                raise LaunchError(
                    f"setting {name!r} of {self.worker_id} holds {secret!r}, which"
                    " looks like a secret; secrets never go on a command line:"
                    " set it in the environment the worker reads instead"
                )
            try:
                text = spec.render(value)
            except SettingError as exc:
                raise LaunchError(str(exc)) from None
            if spec.env_var is not None:
                env[spec.env_var] = text
            elif is_secret_key(name):  # a secret must never reach argv
                raise LaunchError(
                    f"setting {name!r} of {self.worker_id} looks like a secret"
                    " but has no environment variable to travel in"
                )
            elif spec.flag is not None:
                argv += [spec.flag, text]
        return argv, env


def _nested_secret(value: Any) -> str | None:
    """The first secret-looking key inside a (nested) table setting, if any."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if is_secret_key(key):
                return str(key)
            found = _nested_secret(inner)
            if found is not None:
                return found
    elif isinstance(value, (list, tuple)):
        return next((f for f in map(_nested_secret, value) if f is not None), None)
    return None


HEADLESS_SDL = {
    "PYGAME_HIDE_SUPPORT_PROMPT": "1",
    "SDL_VIDEODRIVER": "dummy",
    "SDL_AUDIODRIVER": "dummy",
}

CATALOG: dict[str, WorkerDefinition] = {
    d.worker_id: d
    for d in (
        WorkerDefinition(
            "env_worker",
            "Environment worker",
            "Owns one environment; steps it with the app's actions or its built-in baseline.",
            module="env_worker",
            role="env",
            worker_types=("baseline",),
            settings=ENV_WORKER,
            base_env=HEADLESS_SDL,
        ),
        WorkerDefinition(
            "baseline_worker",
            "Baseline (random / noop / cycling)",
            "Scripted player: uniform random, the env's no-op, or legal actions in turn; seeded.",
            module="baseline_worker",
            role="decision",
            worker_types=("baseline",),
            settings=BASELINE_WORKER,
            supports_multi_agent=True,
        ),
        WorkerDefinition(
            "llm_worker",
            "LLM (OpenAI-compatible endpoint)",
            "Asks a model behind an OpenAI-compatible endpoint for each action; a reply that"
            " names no legal action is asked again (retries), then refused — or, with"
            " fallback = random_legal or noop, replaced and counted.",
            module="llm_worker",
            role="decision",
            worker_types=("llm",),
            settings=LLM_WORKER,
            supports_multi_agent=True,
        ),
        WorkerDefinition(
            "rl_worker",
            "RL policy (trained)",
            "Plays a trained policy (a NumPy .npz Q-table or MLP; with extras a"
            " stable-baselines3 .zip, a CleanRL checkpoint or an ONNX model), greedy or sampled;"
            " a policy that does not fit the player is refused, naming both sides.",
            module="rl_worker",
            role="decision",
            worker_types=("rl",),
            settings=RL_WORKER,
            supports_multi_agent=True,
        ),
        WorkerDefinition(
            "command",
            "Command (any program)",
            "Any program as a player or as an operator's env worker, given as a command line"
            " with placeholders; it may speak mosaic-tui's protocol or the reference's dialect"
            " (chosen by its first line, or by dialect = 'mosaic' / 'mosaic-tui').",
            module="",
            role="decision",
            worker_types=("baseline", "llm", "rl", "vlm"),
            supports_multi_agent=True,
        ),
    )
}


def worker(worker_id: str) -> WorkerDefinition:
    try:
        return CATALOG[worker_id]
    except KeyError:
        known = ", ".join(CATALOG)
        raise LaunchError(f"unknown worker {worker_id!r}; available workers: {known}") from None


#: How the reference's workers are started as players (its GUI's command line, observed).
REFERENCE_TEMPLATE = (
    "python -m {module} --run-id {{run_id}} --env-name {{env_name}} --task {{task}}"
    " --telemetry-dir {{telemetry_dir}} --interactive --seed {{seed}}"
)
_REFERENCE_TYPES = {"llm": ("llm",), "vlm": ("vlm",), "human": ()}


def refresh_plugins() -> None:
    """Read the worker entry points again: ours (`mosaic_tui.workers`, each naming a
    WorkerDefinition) and the reference's (`mosaic.workers`, read by name and module only:
    loading them imports the reference GUI)."""
    from mosaic_tui.core import plugins

    for worker_id in [w for w, d in CATALOG.items() if d.source]:
        del CATALOG[worker_id]

    def check(obj: Any) -> WorkerDefinition:
        if not isinstance(obj, WorkerDefinition):
            raise TypeError("the entry point must name a WorkerDefinition (or return one)")
        if obj.worker_id in CATALOG:
            raise ValueError(f"the worker id {obj.worker_id!r} is already taken")
        if obj.role not in ("env", "decision"):
            raise ValueError(f"role must be 'env' or 'decision', got {obj.role!r}")
        return obj

    for source, definition in plugins.load(plugins.WORKERS, check):
        CATALOG[definition.worker_id] = dataclasses.replace(definition, source=str(source))
    for source in plugins.sources(plugins.REFERENCE_WORKERS):
        worker_id = f"mosaic.{source.name}"
        if worker_id in CATALOG or not source.module.replace(".", "").isidentifier():
            continue
        types = _REFERENCE_TYPES.get(source.name, ("baseline", "llm", "rl", "vlm"))
        if not types:
            continue  # the reference's human worker: humans play at our keyboard
        CATALOG[worker_id] = WorkerDefinition(
            worker_id,
            f"MOSAIC {source.name} worker",
            f"The reference platform's {source.module}, as its GUI starts it",
            module=source.module,
            role="decision",
            worker_types=types,
            supports_multi_agent=True,
            template=REFERENCE_TEMPLATE.format(module=source.module),
            dialect="mosaic",
            source=str(source),
        )


refresh_plugins()
