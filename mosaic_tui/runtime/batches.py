"""Whole episodes for headless runs: one request per step, or streamed by a self-driving
worker (`run {episodes}`) with no round trip per step.

Seeds come as a sequence that may be lazy (an experiment's `SeedSchedule`, a `range`): a
consecutive run travels as `seed` + `episodes` in one `run` command, any other list in chunks,
so neither memory nor a protocol line grows with the episode count. A streamed run is watched
like stepped play: no step (nor progress notice) within the step timeout means the worker hung.

A mixin of `OperatorRunner`, which supplies reset/step and the bookkeeping it calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

from mosaic_tui.core import OperatorState
from mosaic_tui.protocol import EpisodeEnd, Ready, Run, RunEnd, StepResult
from mosaic_tui.runtime.events import EpisodeEnded, RunnerEvent
from mosaic_tui.runtime.process import WorkerError, WorkerTimeout

#: Seeds per `run` command when they are not consecutive (a list from a file, a test).
SEED_CHUNK = 4096


def consecutive(seeds: Sequence[int | None]) -> tuple[int, int] | None:
    """(first seed, count) when `seeds` is first, first+1, ... as a schedule or range says."""
    start = getattr(seeds, "start", None)
    if isinstance(seeds, range) and seeds.step == 1:
        return seeds.start, len(seeds)
    if getattr(seeds, "listed", ()) is None and isinstance(start, int):
        return start, len(seeds)  # a SeedSchedule of start + i
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


class EpisodeBatches:
    """`run_episodes` for a runner (see `OperatorRunner`)."""

    async def run_episodes(
        self, seeds: Sequence[int | None], *, stream: bool = True, collect: bool = True
    ) -> list[EpisodeEnded]:
        """Whole episodes, one per seed. A self-driving player streams them in one request.

        With `collect=False` nothing is kept per episode (long headless runs: listeners get
        every event, the returned list stays empty)."""
        ended: list[EpisodeEnded] = []
        catch: Callable[[RunnerEvent], None] = lambda e: (  # noqa: E731
            ended.append(e) if isinstance(e, EpisodeEnded) else None
        )
        if collect:
            self.listeners.append(catch)
        self.set_state(OperatorState.RUNNING)
        try:
            streamable = consecutive(seeds) is not None or all(s is not None for s in seeds)
            if stream and self.self_driving and streamable:
                for command in run_commands(seeds, self.config.max_steps):  # type: ignore[arg-type]
                    if self._stopping:
                        break
                    await self._guard(self._stream(command))
            else:
                for seed in seeds:
                    await self.reset(seed)
                    while not self.episode_over and not self._stopping:
                        await self.step()
                    if self._stopping:
                        break
        except WorkerError:
            if not self._stopping:
                raise
        finally:
            if collect:
                self.listeners.remove(catch)
        if self.state is OperatorState.RUNNING:
            self.set_state(OperatorState.PAUSED)
        return ended

    async def _stream(self, command: Run) -> None:
        """Play one `run` command, watching the worker as stepped play would: the first reset
        may take the reset timeout (JIT warm-ups), after that each step the step timeout,
        and a `progress` notice from the worker restarts the clock."""
        proc = self.env_process
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
                limit = self.timeouts.step if started else self.timeouts.reset
                try:
                    event = await proc.next_event(limit, waiting_for="the next streamed step")
                except WorkerTimeout:
                    if time.monotonic() - heard[0] < limit:  # it said it is busy: keep waiting
                        continue
                    raise
                if isinstance(event, StepResult):
                    self._stepped(event)
                elif isinstance(event, EpisodeEnd):
                    self._ended(event)
                elif isinstance(event, Ready):
                    started = True
                    self._begin(event)
                elif isinstance(event, RunEnd):
                    return
                elif event.kind == "error":
                    raise proc.error(f"{proc.name}: {getattr(event, 'message', event)}")
        finally:
            proc.on_progress = before
