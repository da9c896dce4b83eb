"""How a worker is started: the seam between `WorkerProcess` and the operating system.

A `Spawn` turns argv into something with the pipes and life of an `asyncio.subprocess.Process`.
`subprocess_spawn` starts a real process in a process group of its own; `auto_spawn`, the
default, forks our own workers from a template process instead (template.py). Tests swap
`default_spawn` for workers run in-process behind the same pipes.
"""

from __future__ import annotations

import asyncio
import os
from typing import Protocol

from mosaic_tui.protocol import MAX_LINE_BYTES
from mosaic_tui.runtime.reaper import become_subreaper


class WorkerHandle(Protocol):
    """What a spawn returns: the pipes and exit status of a started worker."""

    pid: int | None
    returncode: int | None
    stdin: asyncio.StreamWriter | None
    stdout: asyncio.StreamReader | None
    stderr: asyncio.StreamReader | None

    async def wait(self) -> int: ...


class Spawn(Protocol):
    async def __call__(self, argv: list[str], env: dict[str, str]) -> WorkerHandle: ...


async def subprocess_spawn(argv: list[str], env: dict[str, str]) -> WorkerHandle:
    """A real subprocess in a session (process group) of its own."""
    become_subreaper()
    return await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **env},
        start_new_session=True,
        limit=MAX_LINE_BYTES,
    )


async def auto_spawn(argv: list[str], env: dict[str, str]) -> WorkerHandle:
    """Our own workers forked from the template process (template.py), where it can; any
    other program (and every worker where fork is not available) as a new subprocess."""
    from mosaic_tui.runtime import template

    module = template.serves(argv)
    if module is None:
        return await subprocess_spawn(argv, env)
    become_subreaper()
    try:
        return await template.template_spawn(module, argv, env)
    except OSError:  # the template died, or cannot fork now: this worker is spawned instead
        return await subprocess_spawn(argv, env)


#: What a `WorkerProcess` built without a `spawn` uses (tests swap in an in-process spawn).
default_spawn: Spawn = auto_spawn


def signal_group(proc: WorkerHandle, sig: int) -> None:
    """Signal a worker's whole process group (a worker that is no process has its own way)."""
    own = getattr(proc, "signal_group", None)
    if callable(own):
        own(sig)
    elif proc.pid is not None:
        killpg(proc.pid, sig)


def killpg(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
