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

Ray is imported only here, when asked for (the `ray` extra).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import queue
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from operator import itemgetter
from pathlib import Path
from typing import Any, cast

from mosaic_tui.core import OperatorConfig, RunIds
from mosaic_tui.experiments.headless import (
    ERROR,
    FINISHED,
    INTERRUPTED,
    ExperimentResult,
    OperatorOutcome,
    open_session,
)
from mosaic_tui.experiments.spec import ExperimentSpec
from mosaic_tui.runtime import EpisodeEnded, LaunchError, Listener, OperatorRunner, WorkerError
from mosaic_tui.runtime.template import SWITCH as TEMPLATE_SWITCH
from mosaic_tui.telemetry import TelemetryError, TelemetryStore
from mosaic_tui.telemetry.recorder import DEFAULT_LOCK_LIMIT, Recorder
from mosaic_tui.telemetry.rows import EpisodeRow, RunRow, StepRow
from mosaic_tui.telemetry.text import redact_text

MISSING = "--backend ray needs Ray, which the ray extra installs: pip install 'mosaic-tui[ray]'"
#: Fewest episodes per task: a task starts its workers (an env worker imports Gymnasium and
#: builds the env, ~0.5-1 s) once per chunk.
MIN_CHUNK = 64
#: Chunks per cluster CPU and operator when the episodes allow it: a few, so a slow chunk
#: does not leave the other CPUs idle at the end.
CHUNKS_PER_CPU = 2
#: How often a task hands over what it has played (the progress bars' pace).
BATCH_SECONDS = 0.25
_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_connected: list[Any] = []  # the `ray` module, while a run of ours is connected
_STOP_WAIT = 15.0  # how long a cancelled task waits for its workers to stop politely
log = logging.getLogger(__name__)

# What a task yields: ("episodes", [(episode tuple, [step tuples])...]) or ("error", message).
Item = tuple[str, Any]


class _NoRay(Exception):
    """Ray could not be started or reached (the runs say why)."""


class RayBackendError(Exception):
    """The Ray backend cannot run this (Ray missing, a player that cannot play remotely)."""


def import_ray() -> Any:
    """The `ray` module, or RayBackendError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise RayBackendError(MISSING) from None
    return ray


def check(spec: ExperimentSpec) -> None:
    """RayBackendError if `spec` cannot run on Ray: Ray is missing, or an operator has a
    human player (nobody sits at a Ray worker's keyboard)."""
    for config in spec.operators:
        humans = config.get_human_agents()
        if humans:
            raise RayBackendError(
                f"operator {config.operator_id!r} has a human player ({', '.join(humans)}),"
                " who cannot play in a Ray task; run it with --backend local or in the app"
            )
    import_ray()


def chunk_size(episodes: int, cpus: int) -> int:
    """Episodes per task: `CHUNKS_PER_CPU` chunks per CPU, none smaller than `MIN_CHUNK`."""
    wanted = math.ceil(episodes / max(1, CHUNKS_PER_CPU * cpus))
    return max(1, min(episodes, max(MIN_CHUNK, wanted)))


# ---------------------------------------------------------------------------- the task side


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


class _Step(tuple):  # type: ignore[type-arg]
    """A step row as a task sent it: a plain tuple that the store reads as it reads a
    `StepRow` (building 250,000 frozen dataclasses again would cost the driver ~1 s)."""

    __slots__ = ()
    episode_index = property(itemgetter(0))
    step_index = property(itemgetter(1))
    agent = property(itemgetter(2))
    action = property(itemgetter(3))
    reward = property(itemgetter(4))
    terminated = property(itemgetter(5))
    truncated = property(itemgetter(6))
    extra = property(itemgetter(7))


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


# ---------------------------------------------------------------------------- the driver side


class _Writer:
    """Writes episodes on a thread of its own, with its own connection (the event loop never
    waits on SQLite), in the order given; a `:memory:` store is written where it is called."""

    def __init__(self, store: TelemetryStore, lock_limit: float) -> None:
        self.store = store
        self.lock_limit = lock_limit
        self.inline = str(store.path) == ":memory:"
        self._pool = None if self.inline else ThreadPoolExecutor(1, "mosaic-tui ray writer")
        self._own: TelemetryStore | None = None

    def _write(self, run_id: str, episodes: list[tuple[Any, ...]]) -> tuple[int, str | None]:
        """(episodes written, why the next one could not be: None when all were)."""
        written = 0
        try:
            store = self.store
            if not self.inline:
                if self._own is None:
                    self._own = TelemetryStore.open(self.store.path)
                store = self._own
            with store.busy_timeout(self.lock_limit):
                for episode, steps in episodes:
                    index, seed, total, length, term, trunc, began, ended, rewards, won = episode
                    row = EpisodeRow(run_id, index, seed, total, length, term, trunc, began,
                                     ended, rewards, won)  # fmt: skip
                    store.record_episode(row, cast(list[StepRow], [_Step(s) for s in steps]))
                    written += 1
        except (TelemetryError, sqlite3.Error) as exc:
            index = episodes[written][0][0]
            return written, f"could not record episode {index} of run {run_id}: {exc}"
        return written, None

    async def write(self, run_id: str, episodes: list[tuple[Any, ...]]) -> tuple[int, str | None]:
        if self._pool is None:
            return self._write(run_id, episodes)
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._write, run_id,
                                                                episodes)  # fmt: skip

    def close(self) -> None:
        if self._pool is not None:
            self._pool.submit(self._close_own).result()
            self._pool.shutdown()

    def _close_own(self) -> None:
        if self._own is not None:
            self._own.close()
            self._own = None


def connect(ray: Any, address: str | None) -> bool:
    """Connect to the cluster at `address`, or start a local Ray for this run (None); True
    when this call started or joined it (and `ray.shutdown` is ours to call), False when the
    program had already initialised Ray (a test's `ray.init(num_cpus=2)`).

    `ray.init` blocks the event loop (a local Ray must be started from the main thread: its
    processes die with the thread that started them), so while it runs a stop signal raises
    KeyboardInterrupt here (and Ray is shut down again); the signal still reaches the event
    loop's handler afterwards (its wake-up byte is written). A `host:port` that nobody
    answers on is refused first: Ray itself would wait for it for ever."""
    if ray.is_initialized():
        return False
    if address is not None:
        _probe(address)
    quiet: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": False}
    main = threading.current_thread() is threading.main_thread()
    handlers = {sig: signal.getsignal(sig) for sig in _SIGNALS} if main else {}
    for sig in handlers:
        signal.signal(sig, _interrupt)
    try:
        if address is None:
            ray.init(include_dashboard=False, **quiet)
        else:
            ray.init(address=address, **quiet)
        _connected.append(ray)
    except BaseException:
        with contextlib.suppress(Exception):
            ray.shutdown()
        raise
    finally:  # and ray.init takes SIGTERM for itself: the run's polite stop keeps it
        for sig, handler in handlers.items():
            if handler is not None:
                signal.signal(sig, handler)
    return True


def _probe(address: str, limit: float = 5.0) -> None:
    """OSError unless something listens at a `host:port` address (`auto`, `ray://...` and
    the like are Ray's to resolve)."""
    host, _, port = address.rpartition(":")
    if "://" in address or not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=limit).close()
    except OSError as exc:
        raise OSError(
            f"nothing answers at {address} ({exc}); is the Ray head running there?"
            " (`ray start --head` prints its address)"
        ) from None


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def shutdown_now() -> None:
    """The impatient stop (a second Ctrl-C, then `os._exit`): end the Ray this run started
    (its processes would outlive an exit that skips `ray.shutdown`) or leave the cluster it
    joined (Ray then ends the run's tasks)."""
    while _connected:
        with contextlib.suppress(Exception):
            _connected.pop().shutdown()


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
