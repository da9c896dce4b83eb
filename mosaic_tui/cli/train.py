"""`mosaic-tui train TASK --algo ppo --steps N -o policy.zip`: stable-baselines3 training (the
`rl` extra) under a Rich progress bar, its learning curve recorded in the SQLite store.

The curve is a session of its own (source `train`) with one run whose episodes are the
training episodes in order, so `mosaic-tui sessions` lists it and `mosaic-tui export --table
episodes` writes it; the cumulative sum of the lengths is the timestep axis.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from mosaic_tui.telemetry.paths import default_db_path
from mosaic_tui.telemetry.rows import EpisodeRow, RunRow, SessionRow
from mosaic_tui.telemetry.schema import TelemetryError
from mosaic_tui.telemetry.store import TelemetryStore


def train_command(
    task: str, algo: str, steps: int, output: Path, seed: int, db: Path | None
) -> int:
    err = Console(stderr=True, soft_wrap=True)  # a message is never broken mid-sentence
    if steps < 1:
        err.print("[red]error:[/] --steps must be at least 1")
        return 2
    if output.suffix not in (".zip", ".npz", ".onnx"):
        err.print(f"[red]error:[/] -o {escape(str(output))}: write a .zip (SB3), a .npz or an"
                  " .onnx")
        return 2
    argv = [sys.executable, "-m", "rl_worker.train", algo, task, "-o", str(output)]
    argv += ["--steps", str(steps), "--seed", str(seed), "--events"]
    # The trainer's own messages (SB3, the env) go to our stderr; its events to a pipe.
    trainer = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    assert trainer.stdout is not None
    recorder: _Curve | None = None
    done: dict[str, Any] | None = None
    err.print(f"training {escape(algo.upper())} on {escape(task)} (PyTorch loads in a few"
              " seconds)")
    progress = Progress(
        TextColumn(f"{escape(algo.upper())} {escape(task)}"),
        BarColumn(bar_width=16),
        MofNCompleteColumn(),
        TextColumn("{task.fields[curve]}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
    bar = progress.add_task("train", total=steps, curve="", start=False)
    status, error = "failed", "the trainer stopped before its end"
    try:
        for line in trainer.stdout:
            event = _event(line)
            kind = event.get("type")
            if kind == "error":
                err.print(f"[red]error:[/] {escape(str(event.get('message')))}")
            elif kind == "started" and recorder is None:
                recorder = _Curve.begin(db, task, algo, steps, seed, output)
                progress.start()
                progress.start_task(bar)
            elif kind == "episode" and recorder is not None:
                if recorder.add(event):
                    progress.update(bar, curve=recorder.describe())
                else:
                    shown = escape(str(event)[:200])
                    err.print(f"[yellow]not recorded, malformed episode event:[/] {shown}")
            elif kind == "progress" and isinstance(event.get("timesteps"), int):
                progress.update(bar, completed=min(event["timesteps"], steps))
            elif kind == "done":
                done = event
        code = trainer.wait()
        if done is not None and code == 0:
            status, error = "finished", None
        else:
            error = f"the trainer exited with code {code}"
    except KeyboardInterrupt:
        status, error = "stopped", "interrupted"
        raise
    except TelemetryError as exc:  # the curve cannot be recorded: stop, say why
        error = str(exc)
        err.print(f"[red]error:[/] {escape(str(exc))}")
        return 2
    finally:
        progress.stop()
        if trainer.poll() is None:
            trainer.terminate()
            try:
                trainer.wait(timeout=10)
            except subprocess.TimeoutExpired:
                trainer.kill()
                trainer.wait()
        if recorder is not None:
            recorder.end(status, error)
    if recorder is None:  # it stopped before training (a missing extra, an unknown task)
        return trainer.returncode or 2
    if status != "finished" or done is None:
        err.print(f"[red]error:[/] training stopped ({error}); the curve so far is in"
                  f" session {recorder.session_id}")
        return trainer.returncode or 1
    mean = done.get("mean_return")
    shown = f"{float(mean):g}" if isinstance(mean, (int, float)) else "unknown"
    print(f"{output}: greedy mean return {shown} on {done.get('on', 'seeds 0-9')} (played by"
          " the RL player's code)")
    print(f"learning curve: {recorder.count} episodes in session {recorder.session_id}"
          f" (mosaic-tui export {recorder.session_id} --table episodes)", file=sys.stderr)
    return 0


def _event(line: bytes) -> dict[str, Any]:
    try:
        event = json.loads(line)
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


class _Curve:
    """The training episodes, recorded as they come (nothing is kept only in memory)."""

    def __init__(self, store: TelemetryStore, session_id: str, run_id: str) -> None:
        self.store, self.session_id, self.run_id = store, session_id, run_id
        self.count = 0
        self.recent: list[float] = []

    @classmethod
    def begin(
        cls, db: Path | None, task: str, algo: str, steps: int, seed: int, output: Path
    ) -> _Curve:
        store = TelemetryStore.open(db or default_db_path())
        session_id = f"train-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        run_id = f"{session_id}-run"
        config = {"algo": algo, "steps": steps, "seed": seed, "output": str(output)}
        now = time.time()
        store.begin_session(SessionRow(session_id, now, "train", {"command": "train"}))
        store.begin_run(
            RunRow(run_id, session_id, "train", f"{algo.upper()} on {task}", "gymnasium",
                   task, config, now)
        )  # fmt: skip
        return cls(store, session_id, run_id)

    def add(self, event: dict[str, Any]) -> bool:
        """Record one training episode; False (nothing recorded) for a malformed event."""
        try:
            row = EpisodeRow(
                self.run_id,
                self.count,  # in order of arrival: the curve's own index
                None,
                float(event["total_reward"]),
                int(event["length"]),
                bool(event["terminated"]),
                bool(event["truncated"]),
                float(event["started_at"]),
                float(event["ended_at"]),
            )
        except (KeyError, TypeError, ValueError):
            return False
        self.store.record_episode(row, [])
        self.count += 1
        self.recent = (self.recent + [row.total_reward])[-20:]
        return True

    def describe(self) -> str:
        mean = sum(self.recent) / len(self.recent)
        return f"{self.count} episodes, last {len(self.recent)}: {mean:.3g}"

    def end(self, status: str, error: str | None = None) -> None:
        try:
            self.store.end_run(self.run_id, status, error)
        finally:
            self.store.close()
