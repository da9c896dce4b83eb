"""The Ray task of `--backend ray`: one chunk of an operator's episodes played on a node.

A chunk runs the ordinary runtime: an `OperatorRunner` with its worker subprocesses, its
events turned into rows by the same `Recorder` (into a store that only keeps them). The task
is a Ray streaming generator: it yields its recorded episodes (each with its steps) every
`BATCH_SECONDS`, so the progress bars move as episodes are played.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from mosaic_tui.core import OperatorConfig
from mosaic_tui.runtime import LaunchError, OperatorRunner, WorkerError
from mosaic_tui.runtime.template import SWITCH as TEMPLATE_SWITCH
from mosaic_tui.telemetry import TelemetryStore
from mosaic_tui.telemetry.recorder import Recorder
from mosaic_tui.telemetry.rows import EpisodeRow, RunRow, StepRow
from mosaic_tui.telemetry.text import redact_text

#: How often a task hands over what it has played (the progress bars' pace).
BATCH_SECONDS = 0.25
_STOP_WAIT = 15.0  # how long a cancelled task waits for its workers to stop politely

# What a task yields: ("episodes", [(episode tuple, [step tuples])...]) or ("error", message).
Item = tuple[str, Any]


class _Capture(TelemetryStore):
    """The task's store: the recorder's rows handed to `keep`, nothing written anywhere."""

    def __init__(self, keep: Callable[[EpisodeRow, Sequence[StepRow]], None]) -> None:
        conn = sqlite3.connect(":memory:", isolation_level=None)  # for busy_timeout only
        super().__init__(conn, ":memory:")  # ":memory:": the recorder writes inline
        self.keep = keep

    def begin_run(self, row: RunRow) -> None:
        return None

    def end_run(self, run_id: str, status: str, error: str | None = None) -> None:
        return None

    def record_episode(self, episode: EpisodeRow, steps: Sequence[StepRow]) -> None:
        self.keep(episode, steps)


def _episode_tuple(row: EpisodeRow) -> tuple[Any, ...]:
    return (row.episode_index, row.seed, row.total_reward, row.length, row.terminated,
            row.truncated, row.started_at, row.ended_at, row.rewards, row.success)  # fmt: skip


def _step_tuple(s: StepRow) -> tuple[Any, ...]:
    return (s.episode_index, s.step_index, s.agent, s.action, s.reward, s.terminated,
            s.truncated, s.extra)  # fmt: skip


async def _play(
    config: OperatorConfig,
    run_id: str,
    seeds: Sequence[int],
    first: int,
    stream: bool,
    log_dir: Path | None,
    out: queue.SimpleQueue[Item | None],
    control: dict[str, Any],
) -> None:
    """One chunk, on the task's own thread and event loop: episode `i` of `seeds` is the
    run's episode `first + i`."""
    batch: list[tuple[Any, ...]] = []
    sent = [time.monotonic()]

    def flush() -> None:
        if batch:
            out.put(("episodes", batch.copy()))
            batch.clear()
        sent[0] = time.monotonic()

    def keep(episode: EpisodeRow, steps: Sequence[StepRow]) -> None:
        batch.append((_episode_tuple(episode), [_step_tuple(s) for s in steps]))
        if time.monotonic() - sent[0] >= BATCH_SECONDS:
            flush()

    recorder = Recorder(_Capture(keep), "ray")
    recorder.resume(run_id, first)
    runner = None
    error = None
    try:
        runner = OperatorRunner(config, run_id=run_id, log_dir=log_dir)
        control["runner"] = runner
        runner.listeners.append(recorder)
        if not control.get("stop"):
            await runner.start()
            await runner.run_episodes(seeds, stream=stream, collect=False)
    except (WorkerError, LaunchError) as exc:
        if runner is None or not runner.stopping:
            error = redact_text(str(exc))
    finally:
        if runner is not None:
            await runner.stop()
        flush()
        if error is not None:
            out.put(("error", error))
        out.put(None)


def play_chunk(
    config: OperatorConfig,
    run_id: str,
    seeds: Sequence[int],
    first: int,
    stream: bool = True,
    log_dir: str | None = None,
) -> Iterator[Item]:
    """The Ray task (a streaming generator): play `seeds` as episodes `first`, `first + 1`,
    ... of `run_id`; yield what was recorded as it is played, and a worker's failure.

    The runtime is asyncio, a generator is not: the runner plays on a thread of its own and
    hands over through a queue. Ray cancels a task by interrupting this (main) thread; the
    runner is then stopped politely (its worker processes with it) before the task ends."""
    # Workers are spawned, not forked from a template process (runtime/template.py): the
    # template lives as long as the thread that started it, and this thread ends with the
    # chunk; a chunk of many episodes pays a spawn's second once.
    os.environ[TEMPLATE_SWITCH] = "0"
    folder = None
    if log_dir is not None:
        with contextlib.suppress(OSError):  # another node's folder may not exist: no logs
            Path(log_dir).mkdir(parents=True, exist_ok=True)
            folder = Path(log_dir)
    out: queue.SimpleQueue[Item | None] = queue.SimpleQueue()
    control: dict[str, Any] = {}

    def main() -> None:
        try:
            loop = asyncio.new_event_loop()
            control["loop"] = loop
            loop.run_until_complete(_play(config, run_id, seeds, first, stream, folder, out,
                                          control))  # fmt: skip
            left = asyncio.all_tasks(loop)  # a stop asked for by a cancel, say
            if left:
                loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
        except BaseException as exc:  # never leave the generator waiting
            out.put(("error", f"{type(exc).__name__}: {exc}"))
            out.put(None)

    thread = threading.Thread(target=main, name="mosaic-tui chunk", daemon=True)
    thread.start()
    try:
        while True:
            try:
                item = out.get(timeout=0.2)  # short waits: a cancel gets in between
            except queue.Empty:
                continue
            if item is None:
                thread.join(_STOP_WAIT)  # the loop closes: nothing of it is left running
                return
            yield item
    finally:
        if thread.is_alive():  # cancelled: stop the workers before Ray reuses this process
            control["stop"] = True
            loop, runner = control.get("loop"), control.get("runner")
            if loop is not None and runner is not None:
                with contextlib.suppress(RuntimeError):  # the loop just ended
                    asyncio.run_coroutine_threadsafe(runner.stop(), loop)
            thread.join(_STOP_WAIT)
