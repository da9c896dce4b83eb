"""A recorded episode played again: the env worker is reset with the episode's seed and stepped
with the recorded actions, nothing else (no decision worker runs). Each step's reward and
ending are compared with the recording; where they differ the env is not deterministic under
that seed (or changed since), and the replay says so at the first such step.

Frames come at the size asked for (a pane's, or a GIF's: a large box gives the env's own
resolution, frames are never upscaled).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mosaic_tui.core import OperatorConfig
from mosaic_tui.protocol import Error, Frame, FrameRequest, Ready, Run, RunEnd, StepResult
from mosaic_tui.runtime.process import CommandRejected
from mosaic_tui.runtime.runner import OperatorRunner

REPLAY_TIMEOUT = 30.0


@dataclass(frozen=True)
class RecordedStep:
    """One step as the steps table holds it: every player that acted, with its action and
    reward, and how the step ended."""

    step_index: int
    actions: dict[str, int | None]
    rewards: dict[str, float]
    terminated: bool
    truncated: bool


def recorded_steps(rows: Sequence[tuple[Any, ...]]) -> list[RecordedStep]:
    """The steps of one episode from its step-table tuples (episode, step, agent, action,
    reward, terminated, truncated), in order."""
    steps = []
    for index, group in itertools.groupby(rows, key=lambda row: row[1]):
        group = list(group)
        steps.append(
            RecordedStep(
                int(index),
                {row[2]: row[3] for row in group},
                {row[2]: float(row[4]) for row in group},
                any(bool(row[5]) for row in group),
                any(bool(row[6]) for row in group),
            )
        )
    return steps


@dataclass(frozen=True)
class Replayed:
    step_index: int  # 0: the reset
    frame: Frame | None
    mismatch: str | None = None  # how this step differs from the recording, if it does


class EpisodeReplay:
    def __init__(
        self,
        config: OperatorConfig,
        seed: int | None,
        steps: Sequence[RecordedStep],
        frame: FrameRequest | None = None,
        log_dir: Path | None = None,
    ) -> None:
        self.config = config
        self.seed = seed
        self.steps = list(steps)
        self.frame = frame
        run_id = f"replay-{int(time.time() * 1000)}"
        # the recorded actions play: no player, nor a policy file, is loaded for the env
        self.runner = OperatorRunner(
            config.with_run_id(run_id), run_id=run_id, log_dir=log_dir, self_drive=False
        )

    async def play(self) -> AsyncIterator[Replayed]:
        """The reset, then each recorded step, as the env gives them again: one streamed `run`
        with the recorded actions (no round trip per step)."""
        process = self.runner.env_process
        try:
            init = await process.start(REPLAY_TIMEOUT)
            simultaneous = init.stepping == "simultaneous"
            actions = [
                dict(step.actions) if simultaneous else next(iter(step.actions.values()))
                for step in self.steps
            ]
            req = await process.send(
                Run(episodes=1, seed=self.seed, max_steps=self.config.max_steps,
                    frame=self.frame, actions=actions)
            )  # fmt: skip
            recorded = iter(self.steps)
            while True:
                event = await process.next_event(REPLAY_TIMEOUT, waiting_for="a replayed step")
                if event.req != req:
                    continue
                if isinstance(event, Ready):
                    yield Replayed(0, event.frame)
                elif isinstance(event, StepResult):
                    step = next(recorded, None)
                    if step is None:  # cannot happen: the run ends with the actions
                        break
                    yield Replayed(step.step_index, event.frame, self._differs(step, event))
                elif isinstance(event, Error):
                    raise CommandRejected(event, process)
                elif isinstance(event, RunEnd):
                    break
        finally:
            await process.stop(grace=1)

    def _differs(self, recorded: RecordedStep, result: StepResult) -> str | None:
        again = result.rewards if result.rewards else {
            next(iter(recorded.rewards)): float(result.reward)}  # fmt: skip
        return differs(recorded, again, bool(result.terminated), bool(result.truncated))


def differs(
    recorded: RecordedStep, rewards: dict[str, float], terminated: bool, truncated: bool
) -> str | None:
    """How a step played again differs from its recording (rewards, ending), or None."""
    parts = [
        f"{agent}'s reward {recorded.rewards[agent]:g} then {float(rewards.get(agent, 0.0)):g}"
        for agent in recorded.rewards
        if abs(recorded.rewards[agent] - float(rewards.get(agent, 0.0))) > 1e-9
    ]
    if terminated != recorded.terminated:
        parts.append(f"terminated {recorded.terminated} then {terminated}")
    if truncated != recorded.truncated:
        parts.append(f"truncated {recorded.truncated} then {truncated}")
    return "; ".join(parts) or None
