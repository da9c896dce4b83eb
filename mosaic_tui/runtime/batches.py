"""Whole episodes for headless runs: one request per step, or streamed by a self-driving
worker (`run {episodes}`) with no round trip per step.

A mixin of `OperatorRunner`, which supplies reset/step and the bookkeeping it calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mosaic_tui.core import OperatorState
from mosaic_tui.protocol import EpisodeEnd, Ready, Run, RunEnd, StepResult
from mosaic_tui.runtime.events import EpisodeEnded, RunnerEvent
from mosaic_tui.runtime.process import WorkerError


class EpisodeBatches:
    """`run_episodes` for a runner (see `OperatorRunner`)."""

    async def run_episodes(
        self, seeds: Sequence[int | None], *, stream: bool = True
    ) -> list[EpisodeEnded]:
        """Whole episodes, one per seed. A self-driving player streams them in one request."""
        ended: list[EpisodeEnded] = []
        catch: Callable[[RunnerEvent], None] = lambda e: (
            ended.append(e)
            if isinstance(  # noqa: E731
                e, EpisodeEnded
            )
            else None
        )
        self.listeners.append(catch)
        self.set_state(OperatorState.RUNNING)
        try:
            if stream and self.self_driving and all(s is not None for s in seeds):
                await self._guard(self._stream(list(seeds)))  # type: ignore[arg-type]
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
            self.listeners.remove(catch)
        if self.state is OperatorState.RUNNING:
            self.set_state(OperatorState.PAUSED)
        return ended

    async def _stream(self, seeds: list[int]) -> None:
        proc = self.env_process
        await proc.send(Run(episodes=len(seeds), seeds=seeds, max_steps=self.config.max_steps))
        while True:
            event = await proc.next_event(self.timeouts.reset, waiting_for="the next streamed step")
            if isinstance(event, StepResult):
                self._stepped(event)
            elif isinstance(event, EpisodeEnd):
                self._ended(event)
            elif isinstance(event, Ready):
                self._begin(event)
            elif isinstance(event, RunEnd):
                return
            elif event.kind == "error":
                raise proc.error(f"{proc.name}: {getattr(event, 'message', event)}")
