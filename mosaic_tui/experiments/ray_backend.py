"""`mosaic-tui run FILE --backend ray`: an experiment's episodes played as Ray tasks.

Each operator's episodes are cut into chunks (contiguous episode indices, so contiguous seeds
of its schedule). A chunk is one Ray task that runs the ordinary runtime on its node: an
`OperatorRunner` with its worker subprocesses, streamed like the local runner streams, its
events turned into rows by the same `Recorder` (into a store that only keeps them). The task is
a Ray streaming generator: it yields its recorded episodes (each with its steps) every fraction
of a second, so the progress bars move as episodes are played. The driver writes them into the
results database in episode order, one transaction per episode as the local runner does: the
step tables are the local runner's, row for row.

Scheduling is Ray's: the tasks are submitted at once and Ray runs as many as the cluster has
CPUs for; the driver only reads their results in order (`async for` over each generator).
Stopping (`stop`) cancels every task that is still running or waiting; whatever reached the
driver before a gap is written, and the runs are marked `interrupted`. A worker failing in a
task ends its operator's run with `error` and the worker's message, after the episodes played
before it, and cancels the operator's other chunks.

Ray is imported only when asked for (the `ray` extra). The task lives in `ray_task`, the
driver's database writer in `ray_writer`, importing, starting or joining Ray in
`ray_cluster`; this module drives a run and re-exports their public names.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mosaic_tui.core import RunIds
from mosaic_tui.experiments.headless import (
    ERROR,
    FINISHED,
    INTERRUPTED,
    SETTLE_WAIT,
    ExperimentResult,
    OperatorOutcome,
    open_session,
)
from mosaic_tui.experiments.ray_cluster import (
    MISSING,
    RayBackendError,
    connect,
    import_ray,
    shutdown_now,
)
from mosaic_tui.experiments.ray_task import BATCH_SECONDS, Item, play_chunk
from mosaic_tui.experiments.ray_writer import _Writer
from mosaic_tui.experiments.spec import ExperimentSpec
from mosaic_tui.runtime import EpisodeEnded, Listener
from mosaic_tui.telemetry import TelemetryStore
from mosaic_tui.telemetry.recorder import DEFAULT_LOCK_LIMIT, Recorder
from mosaic_tui.telemetry.text import redact_text

__all__ = [
    "BATCH_SECONDS",
    "CHUNKS_PER_CPU",
    "MIN_CHUNK",
    "MISSING",
    "Item",
    "RayBackendError",
    "check",
    "chunk_size",
    "connect",
    "import_ray",
    "play_chunk",
    "run_experiment_on_ray",
    "shutdown_now",
]

#: Fewest episodes per task: a task starts its workers (an env worker imports Gymnasium and
#: builds the env, ~0.5-1 s) once per chunk.
MIN_CHUNK = 64
#: Chunks per cluster CPU and operator when the episodes allow it: a few, so a slow chunk
#: does not leave the other CPUs idle at the end.
CHUNKS_PER_CPU = 2
log = logging.getLogger(__name__)


class _NoRay(Exception):
    """Ray could not be started or reached (the runs say why)."""


def check(spec: ExperimentSpec) -> None:
    """RayBackendError if `spec` cannot run on Ray: Ray is missing, or an operator has a
    human player (nobody sits at a Ray worker's keyboard)."""
    for config in spec.operators:
        humans = config.get_human_agents()
        if humans:
            raise RayBackendError(
                f"operator {config.operator_id!r} has a human player ({', '.join(humans)}),"
                " who cannot play in a Ray task; play it in the app (`mosaic-tui app FILE`)"
            )
    import_ray()


def chunk_size(episodes: int, cpus: int) -> int:
    """Episodes per task: `CHUNKS_PER_CPU` chunks per CPU, none smaller than `MIN_CHUNK`."""
    wanted = math.ceil(episodes / max(1, CHUNKS_PER_CPU * cpus))
    return max(1, min(episodes, max(MIN_CHUNK, wanted)))


async def run_experiment_on_ray(
    spec: ExperimentSpec,
    store: TelemetryStore,
    *,
    address: str | None = None,
    log_dir: Path | None = None,
    listener: Listener | None = None,
    stream: bool = True,
    on_start: Callable[[OperatorOutcome], None] | None = None,
    stop: asyncio.Event | None = None,
    lock_limit: float = DEFAULT_LOCK_LIMIT,
    resume: str | None = None,
    chunk: int | None = None,
) -> ExperimentResult:
    """`run_experiment` with every chunk of `chunk` episodes (default: `chunk_size`) a Ray
    task, on the cluster at `address` (None: a local Ray started for the run, unless this
    program has already initialised Ray). The listener hears `EpisodeEnded` only, one per
    episode as it reaches the driver (what a progress bar needs), not each step."""
    check(spec)
    ray = import_ray()
    session_id, recorded = open_session(spec, store, resume, lock_limit)
    result = ExperimentResult(session_id, [])
    run_ids = RunIds()
    done: dict[str, int] = {}
    for config in spec.operators:
        run = recorded.get(config.operator_id)
        config = config.with_run_id(run.run_id if run else run_ids.new(config.operator_id))
        assert config.run_id is not None
        outcome = OperatorOutcome(config, config.run_id)
        if run is not None:
            done[outcome.run_id] = store.reopen_run(run.run_id)
        result.outcomes.append(outcome)
    recorder = Recorder(store, session_id, lock_limit=lock_limit)  # the runs' rows
    for outcome in result.outcomes:
        if outcome.run_id not in done:
            recorder.begin(outcome.config, outcome.run_id)
    await recorder.drain()
    for run_id, message in recorder.failures.items():
        next(o for o in result.outcomes if o.run_id == run_id).error = message
    recorded_count = dict.fromkeys((o.run_id for o in result.outcomes), 0)
    recorded_count.update(done)
    for outcome in result.outcomes:
        outcome.episodes = recorded_count[outcome.run_id]
        if on_start is not None:
            on_start(outcome)

    writer = _Writer(store, lock_limit)
    began = time.perf_counter()
    ours = False
    try:
        try:
            ours = connect(ray, address)
        except KeyboardInterrupt:  # stopped while Ray started: the runs are interrupted
            result.interrupted = True
            raise _NoRay from None
        except Exception as exc:  # noqa: BLE001 - Ray says why in its own exceptions
            where = f" at {address}" if address else ""
            for outcome in result.outcomes:
                outcome.error = outcome.error or redact_text(
                    f"cannot start or reach Ray{where}: {exc}"
                )
            raise _NoRay from None
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        task = ray.remote(play_chunk).options(num_returns="streaming", num_cpus=1, max_retries=0)
        folder = None if log_dir is None else str(log_dir)
        # every operator's chunks in order; submitted round robin so all of them start
        chunks: dict[str, list[tuple[int, Sequence[int]]]] = {}
        for outcome in result.outcomes:
            first = done.get(outcome.run_id, 0)
            seeds = spec.seeds[first:]
            size = chunk or chunk_size(len(seeds), cpus)
            chunks[outcome.run_id] = [
                (first + a, seeds[a : a + size]) for a in range(0, len(seeds), size)
            ]
            if outcome.error is not None:  # its run could not even be recorded
                chunks[outcome.run_id] = []
        gens: dict[str, list[Any]] = {o.run_id: [] for o in result.outcomes}
        for k in range(max((len(c) for c in chunks.values()), default=0)):
            for outcome in result.outcomes:
                if k < len(chunks[outcome.run_id]) and not result.interrupted:
                    index, seeds = chunks[outcome.run_id][k]
                    gens[outcome.run_id].append(
                        task.remote(outcome.config, outcome.run_id, seeds, index, stream, folder)
                    )

        def cancel(run_id: str | None = None) -> None:
            for rid, refs in gens.items():
                if run_id is None or rid == run_id:
                    for gen in refs:
                        with contextlib.suppress(Exception):  # finished already
                            ray.cancel(gen)

        listeners = [listener] if listener is not None else []

        def tell(outcome: OperatorOutcome, payload: list[tuple[Any, ...]]) -> None:
            """Episodes arrived: told as the local runner tells them (a listener that raises
            is detached, the run goes on)."""
            for episode, _steps in payload:
                for one in list(listeners):
                    try:
                        one(_ended(outcome, episode))
                    except Exception:
                        log.exception("listener %r failed", one)
                        listeners.remove(one)

        async def consume(outcome: OperatorOutcome, gen: Any, into: asyncio.Queue) -> None:
            """One chunk's items as they arrive; progress is told on arrival."""
            try:
                async for ref in gen:
                    kind, payload = await ref
                    if kind == "episodes":
                        tell(outcome, payload)
                    into.put_nowait((kind, payload))
            except Exception as exc:  # noqa: BLE001 - a cancelled task, a dead Ray worker
                into.put_nowait(("failed", _describe(ray, exc)))
            finally:
                into.put_nowait(None)

        async def operate(outcome: OperatorOutcome) -> None:
            """Write one operator's chunks in episode order; the first failure ends it."""
            queues = [asyncio.Queue() for _ in gens[outcome.run_id]]
            readers = [
                asyncio.ensure_future(consume(outcome, gen, q))
                for gen, q in zip(gens[outcome.run_id], queues, strict=True)
            ]
            broken = False
            try:
                for q in queues:
                    while (item := await q.get()) is not None:
                        kind, payload = item
                        if broken:  # after a failure or a gap: read, never written
                            continue
                        if kind == "episodes":
                            written, failure = await writer.write(outcome.run_id, payload)
                            outcome.episodes += written
                            outcome.steps += sum(e[3] for e, _ in payload[:written])
                            if failure is not None:  # the database: stop playing on
                                outcome.error = outcome.error or failure
                                broken = True
                                cancel(outcome.run_id)
                        elif kind == "error" or not result.interrupted:  # or "failed"
                            outcome.error = outcome.error or payload
                            broken = True
                            cancel(outcome.run_id)
                        else:  # cancelled by the stop: nothing after the gap is written
                            broken = True
                outcome.seconds = time.perf_counter() - began  # its own end, as local runs
                missing = spec.episodes - outcome.episodes
                if missing > 0 and not result.interrupted and outcome.error is None:
                    outcome.error = f"{missing} episodes did not come back from Ray"
            finally:
                await asyncio.gather(*readers, return_exceptions=True)

        async def watch() -> None:
            assert stop is not None
            await stop.wait()
            result.interrupted = True
            cancel()

        watcher = asyncio.ensure_future(watch()) if stop is not None else None
        try:
            await asyncio.gather(*(operate(o) for o in result.outcomes))
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
    except _NoRay:
        pass
    finally:
        await asyncio.to_thread(writer.close)
        for outcome in result.outcomes:
            outcome.seconds = outcome.seconds or time.perf_counter() - began
            outcome.status = _status(outcome, spec.episodes, result.interrupted)
            recorder.end(outcome.run_id, outcome.status, outcome.error)
        await recorder.drain()
        if recorder.unended:  # a status the writer could not write: one bounded last try
            result.unended = recorder.settle(min(lock_limit, SETTLE_WAIT))
        if ours:
            shutdown_now()
    for outcome in result.outcomes:
        with contextlib.suppress(Exception):  # a locked database: the table shows what it can
            outcome.summary = store.summary(outcome.run_id)
            outcome.decisions = store.decision_stats(outcome.run_id)
    return result


def _status(outcome: OperatorOutcome, episodes: int, interrupted: bool) -> str:
    if outcome.error is not None:
        return ERROR
    return INTERRUPTED if interrupted and outcome.episodes < episodes else FINISHED


def _ended(outcome: OperatorOutcome, episode: tuple[Any, ...]) -> EpisodeEnded:
    index, seed, total, length, term, trunc, began, ended, rewards, _success = episode
    return EpisodeEnded(outcome.config.operator_id, outcome.run_id, episode=index, seed=seed,
                        total_reward=total, length=length, terminated=term, truncated=trunc,
                        started_at=began, ended_at=ended, rewards=rewards)  # fmt: skip


def _describe(ray: Any, exc: BaseException) -> str:
    """A failed task in a line: Ray's own exceptions carry a remote traceback."""
    cause = exc
    if isinstance(exc, ray.exceptions.RayTaskError):
        cause = exc.cause if isinstance(exc.cause, BaseException) else exc
    if isinstance(cause, ray.exceptions.TaskCancelledError):
        return "its Ray task was cancelled"
    text = str(cause).strip().splitlines()
    return redact_text(f"Ray task failed: {type(cause).__name__}: {text[-1] if text else ''}")
