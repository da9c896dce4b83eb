"""Run an experiment without a screen: every operator at once, every episode recorded.

Operators run concurrently (one env worker each, plus decision workers); one that fails is
reported with its cause and log while the others finish. Setting `stop` (the CLI does on
Ctrl-C, SIGTERM, SIGHUP) stops every worker politely and keeps every episode already played.

Each run ends with a status: `finished` (all its episodes), `interrupted` (stopped early) or
`error` (a worker failed, or its episodes could not be recorded). Nothing here grows with the
episode count: seeds are a schedule, episodes are written as they end, the summary is computed
from a cursor.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mosaic_tui.core import OperatorConfig, RunIds
from mosaic_tui.core.decisions import DecisionStats
from mosaic_tui.experiments.provenance import session_meta
from mosaic_tui.experiments.spec import ExperimentSpec
from mosaic_tui.runtime import (
    EpisodeEnded,
    Listener,
    OperatorRunner,
    StepTaken,
    WorkerError,
    template,
)
from mosaic_tui.runtime.launcher import LaunchError
from mosaic_tui.runtime.remote import use_hosts
from mosaic_tui.telemetry import RunSummary, SessionRow, TelemetryError, TelemetryStore
from mosaic_tui.telemetry.recorder import DEFAULT_LOCK_LIMIT, Recorder
from mosaic_tui.telemetry.text import redact_text

FINISHED, INTERRUPTED, ERROR = "finished", "interrupted", "error"
#: How long a last try at the runs' statuses waits for a lock (bounded: the run is over).
SETTLE_WAIT = 2.0


@dataclass
class OperatorOutcome:
    config: OperatorConfig
    run_id: str
    steps: int = 0
    episodes: int = 0  # played (recorded ones are in `summary`)
    seconds: float = 0.0
    error: str | None = None
    summary: RunSummary | None = None
    status: str = "running"
    decisions: dict[str, DecisionStats] | None = None  # LLM players' recorded decisions

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else 0.0


@dataclass
class ExperimentResult:
    session_id: str
    outcomes: list[OperatorOutcome]
    interrupted: bool = False
    unrecorded: int = 0  # writes still queued when an interrupted run gave up waiting
    unended: dict[str, str] = dataclasses.field(default_factory=dict)  # run id -> why its
    # final status could not be written (it shows as `running`)

    @property
    def failed(self) -> list[OperatorOutcome]:
        return [o for o in self.outcomes if o.error is not None]


def open_session(
    spec: ExperimentSpec, store: TelemetryStore, resume: str | None, lock_limit: float
) -> tuple[str, dict[str, Any]]:
    """Begin the session (or take up `resume`): its id, and the runs it already has by
    operator. Nothing runs yet, so waiting for a busy store here blocks no one."""
    session_id = resume or new_session_id()
    recorded: dict[str, Any] = {}
    try:
        with store.busy_timeout(lock_limit):
            if resume is None:
                store.begin_session(SessionRow(session_id, time.time(), "run", session_meta(spec)))
            else:
                recorded = resumable(store, resume, spec)
    except sqlite3.OperationalError as exc:
        raise TelemetryError(
            f"cannot start recording in {store.path}: {exc} (another program holds it for"
            f" more than {lock_limit:g} s); close that program, pass another --db, or wait"
            " longer with --db-wait"
        ) from None
    return session_id, recorded


def new_session_id() -> str:
    return f"{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(2)}"


async def run_experiment(
    spec: ExperimentSpec,
    store: TelemetryStore,
    *,
    log_dir: Path | None = None,
    listener: Listener | None = None,
    stream: bool = True,
    on_start: Callable[[OperatorOutcome], None] | None = None,
    stop: asyncio.Event | None = None,
    lock_limit: float = DEFAULT_LOCK_LIMIT,
    resume: str | None = None,
) -> ExperimentResult:
    """Run every operator of `spec` for its episodes and seeds; record into `store`.
    `resume`: a session of this same file to continue: each operator plays only the episodes
    its run there lacks (the one cut short is played again from its seed), into that run."""
    use_hosts(spec.hosts)  # the file's [hosts] tables: how to reach and run on each host
    template.warm()  # workers are forked from it once its imports are done (runtime/template.py)
    session_id, recorded = open_session(spec, store, resume, lock_limit)
    run_ids = RunIds()
    recorder = Recorder(store, session_id, lock_limit=lock_limit)
    result = ExperimentResult(session_id, [])
    runners: dict[str, OperatorRunner] = {}
    by_run: dict[str, OperatorOutcome] = {}
    done: dict[str, int] = {}  # run id -> episodes it already has (a resumed run)
    for config in spec.operators:
        run = recorded.get(config.operator_id)
        config = config.with_run_id(run.run_id if run else run_ids.new(config.operator_id))
        assert config.run_id is not None
        outcome = OperatorOutcome(config, config.run_id)
        if run is not None:
            done[outcome.run_id] = outcome.episodes = store.reopen_run(run.run_id)
        result.outcomes.append(outcome)
        by_run[outcome.run_id] = outcome

    def recording_failed(run_id: str, message: str) -> None:
        """Episodes that cannot be stored must not be played on: stop that operator."""
        outcome = by_run.get(run_id)
        if outcome is None:
            return
        outcome.error = outcome.error or message
        runner = runners.get(run_id)
        if runner is not None:
            asyncio.ensure_future(runner.stop())

    recorder.on_failure = recording_failed

    async def one(outcome: OperatorOutcome) -> None:
        config = outcome.config
        first = done.get(outcome.run_id)
        if first is None:
            recorder.begin(config, outcome.run_id)
        else:
            recorder.resume(outcome.run_id, first)
        seeds = spec.seeds[first or 0 :]
        runner = None
        began = time.perf_counter()
        try:
            runner = OperatorRunner(config, run_id=outcome.run_id, log_dir=log_dir)
            runners[outcome.run_id] = runner
            runner.listeners.append(recorder)
            runner.listeners.append(lambda e: _count(outcome, e))
            if listener is not None:
                runner.listeners.append(listener)
            if on_start is not None:
                on_start(outcome)
            if result.interrupted or outcome.error is not None:  # e.g. could not record it
                return
            if not seeds:  # a resumed run that had them all
                return
            await runner.start()
            began = time.perf_counter()
            await runner.run_episodes(seeds, stream=stream, collect=False)
        except (WorkerError, LaunchError, OSError) as exc:  # OSError: e.g. its log folder
            if not result.interrupted and outcome.error is None:
                outcome.error = redact_text(str(exc))
                outcome.status = ERROR
        finally:
            outcome.seconds = time.perf_counter() - began
            if runner is not None:
                await runner.stop()

    async def watch() -> None:
        assert stop is not None
        await stop.wait()
        result.interrupted = True
        await asyncio.gather(*(r.stop() for r in runners.values()), return_exceptions=True)

    watcher = asyncio.ensure_future(watch()) if stop is not None else None
    try:
        await asyncio.gather(*(one(o) for o in result.outcomes))
    finally:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        for outcome in result.outcomes:
            outcome.status = _status(outcome, spec.episodes, result.interrupted)
            recorder.end(outcome.run_id, outcome.status, outcome.error)
        await recorder.drain(timeout=None if not result.interrupted else 1.0)
        result.unrecorded = recorder.pending
        if recorder.pending or recorder.unended:  # a status the writer could not write
            result.unended = recorder.settle(min(lock_limit, SETTLE_WAIT))
    for outcome in result.outcomes:
        with contextlib.suppress(Exception):  # a locked database: the table shows what it can
            outcome.summary = store.summary(outcome.run_id)
            outcome.decisions = store.decision_stats(outcome.run_id)
    return result


def resumable(store: TelemetryStore, session_id: str, spec: ExperimentSpec) -> dict[str, Any]:
    """The runs of `session_id` by operator id, if it is a run of this same experiment file;
    TelemetryError saying why not otherwise."""
    session = store.session(session_id)
    if session is None:
        raise TelemetryError(f"no session {session_id!r} to resume; `mosaic-tui sessions` lists"
                             " them")  # fmt: skip
    meta = session.meta or {}
    if session.source != "run":
        raise TelemetryError(f"session {session_id} is not a `mosaic-tui run` ({session.source})")
    if meta.get("file_sha256") != spec.digest or meta.get("seeds") != session_meta(spec)["seeds"]:
        raise TelemetryError(
            f"session {session_id} was made by another file or a changed one"
            f" ({meta.get('source')}); resuming would mix two experiments: run it anew"
        )
    return {run.operator_id: run for run in store.runs(session_id)}


def _status(outcome: OperatorOutcome, episodes: int, interrupted: bool) -> str:
    if outcome.error is not None:
        return ERROR
    return INTERRUPTED if interrupted and outcome.episodes < episodes else FINISHED


def _count(outcome: OperatorOutcome, event: object) -> None:
    if isinstance(event, StepTaken):
        outcome.steps += 1
    elif isinstance(event, EpisodeEnded):
        outcome.episodes += 1
