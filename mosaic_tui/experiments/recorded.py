"""One recorded episode, read back to be played again: the operator as it ran, the seed and
the steps (runtime/replay.py replays it; `mosaic-tui gif`, the replay screen and the Minari
export all start here)."""

from __future__ import annotations

from dataclasses import dataclass

from mosaic_tui.core import OperatorConfig
from mosaic_tui.runtime.replay import RecordedStep, recorded_steps
from mosaic_tui.telemetry import TelemetryStore


class NotRecorded(LookupError):
    """No such operator or episode in the session; the message says what there is."""


@dataclass(frozen=True)
class RecordedEpisode:
    config: OperatorConfig
    index: int
    seed: int | None
    length: int
    steps: list[RecordedStep]


def recorded_episode(
    store: TelemetryStore, session_id: str, operator: str, episode: int
) -> RecordedEpisode:
    runs = [r for r in store.runs(session_id) if r.operator_id == operator]
    if not runs:
        known = sorted({r.operator_id for r in store.runs(session_id)})
        raise NotRecorded(f"session {session_id!r} has no operator {operator!r} (it has:"
                          f" {', '.join(known) or 'none; is the session id right?'})")  # fmt: skip
    run = runs[-1]  # an operator edited and restarted: its latest run
    episodes = store.episodes(run.run_id)
    chosen = next((e for e in episodes if e.episode_index == episode), None)
    if chosen is None:
        if not episodes:
            raise NotRecorded(f"{operator} recorded no episode")
        raise NotRecorded(f"{operator} recorded episodes 0 to {len(episodes) - 1}; there is no"
                          f" episode {episode}")  # fmt: skip
    return RecordedEpisode(
        OperatorConfig.from_dict(run.config),
        episode,
        chosen.seed,
        chosen.length,
        recorded_steps(store.step_table(run.run_id, episode)),
    )
