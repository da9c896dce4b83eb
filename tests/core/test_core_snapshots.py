from __future__ import annotations

from mosaic_tui.core import EpisodeSummary, StepSnapshot


def test_step_snapshot_defaults_are_independent() -> None:
    a = StepSnapshot(0, observation=[1], reward=0.0, terminated=False, truncated=False)
    b = StepSnapshot(1, observation=[2], reward=1.0, terminated=False, truncated=False)
    a.info["k"] = 1
    assert b.info == {}
    assert a.seed is None


def test_step_snapshot_done() -> None:
    assert not StepSnapshot(0, None, 0.0, False, False).done
    assert StepSnapshot(0, None, 0.0, True, False).done
    assert StepSnapshot(0, None, 0.0, False, True).done


def test_snapshot_uses_slots() -> None:
    snap = StepSnapshot(0, None, 0.0, False, False)
    assert not hasattr(snap, "__dict__")


def test_episode_summary_fields() -> None:
    summary = EpisodeSummary(episode_index=3, total_reward=1.5, steps=42)
    assert (summary.episode_index, summary.total_reward, summary.steps) == (3, 1.5, 42)
    assert summary.metadata == {}
    assert EpisodeSummary(0, 0.0, 0).metadata is not summary.metadata
