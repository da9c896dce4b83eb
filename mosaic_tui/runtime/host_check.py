"""What a host offers, asked over ssh: its Python, mosaic-tui, workers and families, and a real
env worker started there and reset, which proves the whole path (ssh, boot, protocol)."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from mosaic_tui.core.hosts import check_host
from mosaic_tui.protocol import Ready, Reset
from mosaic_tui.runtime import remote
from mosaic_tui.runtime.launcher import worker
from mosaic_tui.runtime.process import WorkerError, WorkerProcess

WORKERS = ("env_worker", "baseline_worker", "llm_worker", "rl_worker")
#: Read on the host: plain data on stdout, whatever is (not) installed there.
PROBE = f"""
import importlib.util, json, platform, socket, sys
if sys.path[:1] == ['']:
    del sys.path[0]
out = {{"python": platform.python_version(), "executable": sys.executable,
       "hostname": socket.gethostname()}}
out["workers"] = {{m: importlib.util.find_spec(m) is not None for m in {WORKERS!r}}}
try:
    from importlib.metadata import version
    out["mosaic_tui"] = version("mosaic-tui")
    from mosaic_tui.protocol import PROTOCOL_VERSION
    out["protocol"] = PROTOCOL_VERSION
    from mosaic_tui.envs.families import FAMILIES
    out["families"] = {{n: [f.installed, f.install_hint] for n, f in FAMILIES.items()}}
except Exception as exc:
    out["problem"] = f"{{type(exc).__name__}}: {{exc}}"
print(json.dumps(out))
"""
PROBE_TIMEOUT = 60.0


class HostUnreachable(RuntimeError):
    """The probe could not run on the host; the message says why. `reached`: ssh worked, but
    the host's python could not be run (something to install or set, not a connection)."""

    def __init__(self, message: str, reached: bool = False) -> None:
        super().__init__(message)
        self.reached = reached


@dataclass
class HostReport:
    name: str
    python: str = ""
    executable: str = ""
    hostname: str = ""
    mosaic_tui: str | None = None
    protocol: int | None = None
    workers: dict[str, bool] = field(default_factory=dict)
    families: dict[str, tuple[bool, str]] = field(default_factory=dict)
    problem: str | None = None
    connect_ms: float = 0.0
    round_trip: str | None = None  # None: an env worker started and reset there
    round_trip_ms: float = 0.0


async def probe(name: str) -> HostReport:
    """Ask `name` what it has (HostUnreachable when ssh or its Python cannot run)."""
    host = remote.host(check_host(name))
    began = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *host.argv([sys.executable, "-c", PROBE]),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(b"{}\n"), PROBE_TIMEOUT)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()  # reaped while the loop runs: no complaint from its transport later
        raise HostUnreachable(f"{name} did not answer within {PROBE_TIMEOUT:g} s") from None
    text = err.decode(errors="replace").strip().splitlines()
    if proc.returncode != 0:
        why = remote.exit_text(name, proc.returncode) or f"exit code {proc.returncode}"
        raise HostUnreachable(f"{why}" + (f": {text[-1]}" if text else ""),
                              reached=proc.returncode in (126, 127))  # fmt: skip
    try:
        data: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise HostUnreachable(f"{name} answered something that is not the probe's report") from None
    report = HostReport(name, connect_ms=(time.perf_counter() - began) * 1000)
    report.python = str(data.get("python", ""))
    report.executable = str(data.get("executable", ""))
    report.hostname = str(data.get("hostname", ""))
    report.mosaic_tui = data.get("mosaic_tui")
    report.protocol = data.get("protocol")
    report.workers = {str(k): bool(v) for k, v in dict(data.get("workers", {})).items()}
    report.families = {
        str(k): (bool(v[0]), str(v[1])) for k, v in dict(data.get("families", {})).items()
    }
    report.problem = data.get("problem")
    return report


async def round_trip(name: str, task: str = "FrozenLake-v1") -> tuple[str | None, float]:
    """Start an env worker on `name` for `task` and reset it: (None or what failed, ms)."""
    argv, env = worker("env_worker").command("doctor", {}, env_id=task)
    process = WorkerProcess(argv, name=f"env_worker[{task}]@{name}", env=env, host=name)
    began = time.perf_counter()
    try:
        await process.start(PROBE_TIMEOUT)
        await process.request(Reset(seed=0), Ready, PROBE_TIMEOUT)
        return None, (time.perf_counter() - began) * 1000
    except WorkerError as exc:
        return exc.summary + "".join(f"\n    {line}" for line in exc.log_tail[-3:]), 0.0
    finally:
        await process.stop(grace=2.0)
