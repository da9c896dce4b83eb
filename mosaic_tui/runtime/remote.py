"""Workers on other machines, started through `ssh` and spoken to over its stdio.

`ssh HOST -- exec PYTHON -c BOOT ARGV...` runs the same command line a local worker gets, with
the host's interpreter in place of ours. The user's own ssh config and agent do the connecting
(BatchMode: a password prompt would hang a worker, so it fails instead).

What must not go on a command line travels as the first line on the worker's stdin: its
environment variables (API keys among them), read by the boot one byte at a time so that not
one byte of the protocol behind it is taken. The boot then makes the worker die with the remote
sshd (its parent, via the worker's own lifeline) and lead a process group, so a dropped
connection or a stop leaves nothing running on the host.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomllib

from mosaic_tui.core.hosts import HostError, check_host
from mosaic_tui.protocol import MAX_LINE_BYTES
from mosaic_tui.protocol.stdio import PARENT_VARIABLE
from mosaic_tui.protocol.worker_settings import LLM_KEY_VARIABLES
from mosaic_tui.runtime.launcher import boot_module
from mosaic_tui.runtime.reaper import TAG_VARIABLE, become_subreaper
from mosaic_tui.runtime.spawn import WorkerHandle

#: In a remote argv: "the interpreter the boot runs on" (the host's `python`).
HOST_PYTHON = "@python"
#: Variables of ours a remote LLM player (or a command of the user's own, which may be one) also
#: gets, when they are set here (never on argv); our env, baseline and RL workers never do.
FORWARDED = LLM_KEY_VARIABLES
KEYLESS = frozenset({"env_worker", "baseline_worker", "rl_worker"})
HOSTS_VARIABLE = "MOSAIC_TUI_HOSTS"  # another hosts.toml than the one in the config folder
#: ssh options every connection gets: no prompts, no escape character, a host that does not
#: answer given up after 15 s, and a dead link noticed within ~15 s rather than at TCP's leisure.
SSH_OPTIONS = (
    "-T", "-e", "none",
    "-o", "BatchMode=yes",
    "-o", "ConnectTimeout=15",
    "-o", "ServerAliveInterval=5",
    "-o", "ServerAliveCountMax=3",
)  # fmt: skip
SSH_FAILED = 255  # ssh's own exit code when it could not connect or lost the connection

BOOT = (
    "import json, os, sys\n"
    "line = b''\n"
    "while not line.endswith(b'\\n'):\n"
    "    byte = os.read(0, 1)\n"
    "    if not byte:\n"
    "        sys.exit(0)\n"
    "    line += byte\n"
    "os.environ.update(json.loads(line))\n"
    f"os.environ[{PARENT_VARIABLE!r}] = str(os.getppid())\n"
    "try:\n"
    "    os.setsid()\n"
    "except OSError:\n"
    "    pass\n"
    "argv = sys.argv[1:]\n"
    f"if argv[:1] == [{HOST_PYTHON!r}] and argv[1:2] == ['-m']:\n"
    "    import importlib.util, runpy, socket\n"
    "    if sys.path[:1] == ['']:\n"
    "        del sys.path[0]\n"
    "    if importlib.util.find_spec(argv[2]) is None:\n"
    "        print(f'mosaic-tui: {sys.executable} on {socket.gethostname()} has no {argv[2]}:'\n"
    "              ' install mosaic-tui there (pip install mosaic-tui), or set this'\n"
    "              ' host\\'s python to one that has it', file=sys.stderr)\n"
    "        sys.exit(3)\n"
    "    sys.argv = [argv[2], *argv[3:]]\n"
    "    runpy.run_module(argv[2], run_name='__main__', alter_sys=True)\n"
    "    sys.exit(0)\n"
    f"if argv[:1] == [{HOST_PYTHON!r}]:\n"
    "    argv[0] = sys.executable\n"
    "try:\n"
    "    os.execvp(argv[0], argv)\n"
    "except OSError as exc:\n"
    "    print(f'mosaic-tui: cannot run {argv[0]!r} here: {exc}', file=sys.stderr)\n"
    "    sys.exit(127)\n"
)


@dataclass(frozen=True)
class Host:
    """How to reach one host and run Python there."""

    name: str
    python: str = "python3"  # the remote interpreter, e.g. "~/venvs/mosaic/bin/python"
    ssh: str = "ssh"  # the local ssh command, e.g. "ssh -F ~/.ssh/lab_config"

    @classmethod
    def from_table(cls, name: str, table: Any) -> Host:
        if not check_host(name):
            raise HostError(f"hosts.{name}: this machine needs no host settings")
        if not isinstance(table, Mapping):
            raise HostError(f"hosts.{name} must be a table with python = ... and/or ssh = ...")
        unknown = sorted(set(table) - {"python", "ssh"})
        if unknown:
            raise HostError(f"hosts.{name}: unknown key {unknown[0]!r} (known: python, ssh)")
        values = {}
        for key in ("python", "ssh"):
            if key in table:
                value = table[key]
                if not isinstance(value, str) or not value.strip() or "\n" in value:
                    raise HostError(f"hosts.{name}.{key} must be a one-line command")
                values[key] = value.strip()
        try:
            shlex.split(values.get("ssh", "ssh"))
        except ValueError as exc:
            raise HostError(f"hosts.{name}.ssh cannot be split into words: {exc}") from None
        return cls(name, **values)

    def argv(self, worker_argv: list[str]) -> list[str]:
        """The local command line that starts `worker_argv` on this host."""
        remote = _remote_argv(worker_argv)
        command = f"exec {self.python} -c {shlex.quote(BOOT)} {shlex.join(remote)}"
        return [*shlex.split(self.ssh), *SSH_OPTIONS, "--", self.name, command]

    def shown(self, worker_argv: list[str]) -> str:
        """What a worker's log says is started: where, with which python, and what (one of
        ours by its module, as `env_worker --env-id ...`; any other command as it runs
        there). No secret: they travel on stdin, never on argv."""
        remote = _remote_argv(worker_argv)
        if remote[:2] == [HOST_PYTHON, "-m"]:
            remote = remote[2:]
        words = [self.python if word == HOST_PYTHON else word for word in remote]
        return f"on {self.name} (python: {self.python}): {' '.join(words)}"


def _remote_argv(worker_argv: list[str]) -> list[str]:
    """`worker_argv` as the boot runs it on the host (`HOST_PYTHON`: the host's python)."""
    module = boot_module(worker_argv)
    if module is not None:  # ours: run as -m MODULE there, checked for first
        return [HOST_PYTHON, "-m", module, *worker_argv[3:]]
    return [HOST_PYTHON if word == sys.executable else word for word in worker_argv]


# ----------------------------------------------------------------------------- settings
# Per-host settings come from the user's hosts.toml and from the experiment file's [hosts]
# tables (which win); a host named in neither gets the defaults.

_experiment_hosts: dict[str, Host] = {}


def hosts_file() -> Path:
    if override := os.environ.get(HOSTS_VARIABLE):
        return Path(override).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "mosaic-tui" / "hosts.toml"


def read_hosts(path: Path) -> dict[str, Host]:
    """The [hosts.NAME] tables of a TOML file (missing file: none)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise HostError(f"{path}: {exc}") from None
    try:
        return parse_hosts(data.get("hosts", {}), str(path))
    except HostError as exc:  # every problem names the file it is in
        text = str(exc)
        raise HostError(text if text.startswith(f"{path}: ") else f"{path}: {text}") from None


def parse_hosts(tables: Any, where: str = "hosts") -> dict[str, Host]:
    if not isinstance(tables, Mapping):
        raise HostError(f'{where}: [hosts] must hold one table per host, [hosts."user@box"]')
    return {name: Host.from_table(name, table) for name, table in tables.items()}


def use_hosts(hosts: Mapping[str, Host]) -> None:
    """The experiment's own [hosts] tables, in force until the next experiment's."""
    _experiment_hosts.clear()
    _experiment_hosts.update(hosts)


def host(name: str) -> Host:
    """The settings for `name`: the experiment's, else hosts.toml's, else the defaults."""
    name = check_host(name)
    if name in _experiment_hosts:
        return _experiment_hosts[name]
    return read_hosts(hosts_file()).get(name) or Host(name)


# ----------------------------------------------------------------------------- spawning


class RemoteSpawn:
    """A `Spawn` (runtime/spawn.py) that starts the worker on `host` through ssh."""

    def __init__(self, host: Host) -> None:
        self.host = host

    async def __call__(self, argv: list[str], env: dict[str, str]) -> WorkerHandle:
        become_subreaper()
        # the lifeline and the reaper's tag are this machine's: the boot sets its own lifeline
        remote_env = {k: v for k, v in env.items() if k not in (PARENT_VARIABLE, TAG_VARIABLE)}
        if boot_module(argv) not in KEYLESS:  # an LLM player's key only where it may be used
            remote_env.update({k: os.environ[k] for k in FORWARDED if k in os.environ})
        proc = await asyncio.create_subprocess_exec(
            *self.host.argv(argv),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, PARENT_VARIABLE: env.get(PARENT_VARIABLE, str(os.getpid()))},
            start_new_session=True,
            limit=MAX_LINE_BYTES,
        )
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(remote_env).encode() + b"\n")  # the boot's first line
        return proc


def exit_text(name: str, code: int | None) -> str | None:
    """What an exit over ssh means, when it is ssh's or the remote shell's (None: the
    worker's own exit code says it)."""
    if code == SSH_FAILED:
        return (
            f"ssh to {name} failed or lost its connection (exit code {SSH_FAILED}); check that"
            f" `{host(name).ssh} {name} true` works without a password, and"
            f" `mosaic-tui doctor {name}`"
        )
    if code in (126, 127):
        return (
            f"exit code {code}: {name} cannot run {host(name).python!r} (set python for this"
            f' host: [hosts."{name}"] python = "..."; `mosaic-tui doctor {name}` checks it)'
        )
    return None
