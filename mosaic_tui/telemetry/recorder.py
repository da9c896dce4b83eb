"""Listens to a runner and writes what happened: each episode, with its steps, at its end.

Steps wait in memory until their episode ends and are then committed in one transaction, so
killing a run loses at most the episode in progress and never leaves half an episode behind.
"""

from __future__ import annotations

import time

from mosaic_tui.core import OperatorConfig
from mosaic_tui.runtime import EpisodeEnded, EpisodeStarted, RunnerEvent, StateChanged, StepTaken
from mosaic_tui.telemetry.rows import EpisodeRow, RunRow, StepRow
from mosaic_tui.telemetry.store import TelemetryStore


class Recorder:
    """A runner listener: `runner.listeners.append(recorder)` after `begin(config, run_id)`."""

    def __init__(self, store: TelemetryStore, session_id: str) -> None:
        self.store = store
        self.session_id = session_id
        self._steps: dict[str, list[StepRow]] = {}

    def begin(self, config: OperatorConfig, run_id: str) -> None:
        self.store.begin_run(
            RunRow(
                run_id=run_id,
                session_id=self.session_id,
                operator_id=config.operator_id,
                display_name=config.display_name,
                env_name=config.env_name,
                task=config.task,
                config=config.to_dict(redact=True),
                started_at=time.time(),
            )
        )
        self._steps[run_id] = []

    def __call__(self, event: RunnerEvent) -> None:
        if isinstance(event, StepTaken) and event.actions:  # simultaneous: a row per agent
            rewards = event.rewards or {}
            self._steps[event.run_id].extend(
                StepRow(
                    event.episode,
                    event.step_index,
                    agent,
                    action if isinstance(action, int) else None,
                    rewards.get(agent, 0.0),
                    event.terminated,
                    event.truncated,
                )
                for agent, action in event.actions.items()
            )
        elif isinstance(event, StepTaken):
            action = event.action if isinstance(event.action, int) else None
            self._steps[event.run_id].append(
                StepRow(
                    event.episode,
                    event.step_index,
                    event.agent,
                    action,
                    event.reward,
                    event.terminated,
                    event.truncated,
                    {"rewards": event.rewards} if event.rewards else None,
                )
            )
        elif isinstance(event, EpisodeStarted):
            self._steps[event.run_id] = []  # an episode cut short by a reset is not kept
        elif isinstance(event, EpisodeEnded):
            steps, self._steps[event.run_id] = self._steps[event.run_id], []
            self.store.record_episode(
                EpisodeRow(
                    event.run_id,
                    event.episode,
                    event.seed,
                    event.total_reward,
                    event.length,
                    event.terminated,
                    event.truncated,
                    event.started_at,
                    event.ended_at,
                    event.rewards,
                    event.success,
                ),
                steps,
            )
        elif isinstance(event, StateChanged) and event.state in ("stopped", "error"):
            self.store.end_run(event.run_id, event.state, event.detail)
