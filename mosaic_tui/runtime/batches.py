"""Whole episodes for headless runs: one request per step, or streamed by a self-driving
worker (`run {episodes}`) with no round trip per step.

Seeds come as a sequence that may be lazy (an experiment's `SeedSchedule`, a `range`): a
consecutive run travels as `seed` + `episodes` in one `run` command, any other list in chunks,
so neither memory nor a protocol line grows with the episode count. A streamed run is watched
like stepped play: no step (nor progress notice) within the step timeout means the worker hung.

Functions over a runner: they use its public reset/step/begin/stepped/ended.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from mosaic_tui.core import OperatorState
from mosaic_tui.protocol import EpisodeEnd, Ready, Run, RunEnd, StepResult
from mosaic_tui.runtime.events import EpisodeEnded, RunnerEvent
from mosaic_tui.runtime.process import WorkerError, WorkerTimeout

if TYPE_CHECKING:
    from mosaic_tui.runtime.runner import OperatorRunner

#: Seeds per `run` command when they are not consecutive (a list from a file, a test).
SEED_CHUNK = 4096


def consecutive(seeds: Sequence[int | None]) -> tuple[int, int] | None:
    """(first seed, count) when `seeds` is first, first+1, ... as a schedule or range says."""
    start = getattr(seeds, "start", None)
    if isinstance(seeds, range) and seeds.step == 1:
        return seeds.start, len(seeds)
    if getattr(seeds, "listed", ()) is None and isinstance(start, int):
        if getattr(seeds, "step", 1) == 1:
            return start, len(seeds)  # a SeedSchedule of start + i (not a fixed one)
    return None


def run_commands(seeds: Sequence[int], max_steps: int | None) -> Iterator[Run]:
    """The `run` commands that play `seeds` in order: one for a consecutive schedule."""
    span = consecutive(seeds)
    if span is not None:
        yield Run(episodes=span[1], seed=span[0], max_steps=max_steps)
        return
    for first in range(0, len(seeds), SEED_CHUNK):
        chunk = [int(s) for s in seeds[first : first + SEED_CHUNK]]
        yield Run(episodes=len(chunk), seeds=chunk, max_steps=max_steps)


async def run_episodes(
    runner: OperatorRunner,
    seeds: Sequence[int | None],
    *,
    stream: bool = True,
    collect: bool = True,
) -> list[EpisodeEnded]:
    """Whole episodes, one per seed. A self-driving player streams them in one request.

    With `collect=False` nothing is kept per episode (long headless runs: listeners get
    every event, the returned list stays empty)."""
    ended: list[EpisodeEnded] = []
    catch: Callable[[RunnerEvent], None] = lambda e: (  # noqa: E731
        ended.append(e) if isinstance(e, EpisodeEnded) else None
    )
    if collect:
        runner.listeners.append(catch)
    runner.set_state(OperatorState.RUNNING)
    try:
        streamable = consecutive(seeds) is not None or all(s is not None for s in seeds)
        if stream and runner.self_driving and streamable and not runner.reference_env:
            for command in run_commands(seeds, runner.config.max_steps):  # type: ignore[arg-type]
                if runner.stopping:
                    break
                await runner.guard(_stream(runner, command))
        else:
            for seed in seeds:
                await runner.reset(seed)
                while not runner.episode_over and not runner.stopping:
                    await runner.step(ahead=True)
                if runner.stopping:
                    break
    except WorkerError:
        if not runner.stopping:
            raise
    finally:
        if collect:
            runner.listeners.remove(catch)
    if runner.state is OperatorState.RUNNING:
        runner.set_state(OperatorState.PAUSED)
    return ended


async def _stream(runner: OperatorRunner, command: Run) -> None:
    """Play one `run` command, watching the worker as stepped play would: the first reset
    may take the reset timeout (JIT warm-ups), after that each step the step timeout,
    and a `progress` notice from the worker restarts the clock."""
    proc = runner.env_process
    heard = [time.monotonic()]
    before = proc.on_progress

    def progress(message: str) -> None:
        heard[0] = time.monotonic()
        if before is not None:
            before(message)

    proc.on_progress = progress
    try:
        await proc.send(command)
        started = False
        while True:
            limit = runner.timeouts.step if started else runner.timeouts.reset
            try:
                event = await proc.next_event(limit, waiting_for="the next streamed step")
            except WorkerTimeout:
                if time.monotonic() - heard[0] < limit:  # it said it is busy: keep waiting
                    continue
                raise
            if isinstance(event, StepResult):
                runner.stepped(event)
            elif isinstance(event, EpisodeEnd):
                runner.ended(event)
            elif isinstance(event, Ready):
                started = True
                runner.begin(event)
            elif isinstance(event, RunEnd):
                return
            elif event.kind == "error":
                raise proc.error(f"{proc.name}: {getattr(event, 'message', event)}")
    finally:
        proc.on_progress = before
