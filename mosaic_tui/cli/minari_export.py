"""`mosaic-tui export --format minari [SESSION]`: recorded episodes (a human's keyboard play, an
LLM's games) as Minari datasets, Farama's standard for offline RL (the `minari` extra).

Only seeds and actions are recorded, so each episode is replayed in this process from its
seed with its actions, Minari's DataCollector keeping the observations; a reward or ending
that differs from the recording stops the export with the step named (the env is not
deterministic under that seed). One dataset per single-agent operator (Minari datasets are
single-agent), named `mosaic/<task>-<operator>-v0` unless `--dataset-id` says; the env spec,
the players and the session go in its metadata. MiniGrid's mission becomes a Text space, the
form Minari can store.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any

import gymnasium as gym

from mosaic_tui.core import OperatorConfig
from mosaic_tui.runtime.replay import RecordedStep, differs, recorded_steps
from mosaic_tui.telemetry import TelemetryStore

INSTALL = "pip install 'mosaic-tui[minari]'"


class ExportError(RuntimeError):
    """An export that cannot be made; the message names the cause and the fix."""


def dataset_id(task: str, operator: str) -> str:
    """`mosaic/<task>-<operator>-v0` in Minari's form (the task's own version left out)."""
    task = re.sub(r"-v\d+$", "", task)
    name = re.sub(r"[^a-z0-9]+", "-", f"{task}-{operator}".lower()).strip("-")
    return f"mosaic/{name}-v0"


def export_minari(
    store: TelemetryStore, session_id: str, operator: str | None, chosen_id: str | None
) -> list[tuple[str, int, int]]:
    """(dataset id, episodes, steps) of each dataset written."""
    try:
        import minari  # noqa: F401
        from minari import DataCollector
    except ImportError:
        raise ExportError(f"a Minari export needs minari: {INSTALL}") from None
    runs = [r for r in store.runs(session_id) if operator is None or r.operator_id == operator]
    if not runs:
        known = sorted({r.operator_id for r in store.runs(session_id)})
        raise ExportError(f"session {session_id} has no operator {operator!r} (it has:"
                          f" {', '.join(known) or 'none'})")  # fmt: skip
    if chosen_id is not None and len(runs) > 1:
        raise ExportError("--dataset-id names one dataset: choose one --operator")
    written = []
    for run in runs:
        config = OperatorConfig.from_dict(run.config)
        if config.is_multiagent:
            if operator is not None:
                raise ExportError(f"{run.operator_id} is a multi-agent game; Minari datasets"
                                  " are single-agent")  # fmt: skip
            continue
        episodes = store.episodes(run.run_id)
        if not episodes:
            continue
        env = DataCollector(_storable(config), record_infos=False, data_format="arrow")
        steps = 0
        for episode in episodes:
            rows = store.step_table(run.run_id, episode.episode_index)
            steps += _replay(env, episode.seed, recorded_steps(rows), run.operator_id,
                             episode.episode_index)  # fmt: skip
        name = chosen_id or dataset_id(config.task, run.operator_id)
        env.create_dataset(
            dataset_id=name,
            algorithm_name=", ".join(f"{p}: {w.worker_type}" for p, w in config.workers.items()),
            author="mosaic-tui",
            description=f"session {session_id}, operator {run.operator_id} ({config.task}),"
            f" {len(episodes)} recorded episodes replayed from their seeds",
        )
        env.close()
        written.append((name, len(episodes), steps))
    if not written:
        raise ExportError(f"session {session_id} has no single-agent operator with episodes")
    return written


def _storable(config: OperatorConfig) -> Any:
    from mosaic_tui.envs import make_env

    env = make_env(config.task, render_mode=None, **(config.env_settings or {}))
    space = env.observation_space
    if isinstance(space, gym.spaces.Dict) and "mission" in space.spaces:
        env = TextMission(env)
    if config.max_steps is not None:  # as the env worker cut its episodes
        env = gym.wrappers.TimeLimit(env, max_episode_steps=config.max_steps)
    return env


def _replay(env: Any, seed: int | None, steps: list[RecordedStep], op: str, index: int) -> int:
    env.reset(seed=seed)
    for step in steps:
        ((agent, action),) = step.actions.items()
        _, reward, terminated, truncated, _ = env.step(action)
        mismatch = differs(step, {agent: float(reward)}, bool(terminated), bool(truncated))
        if mismatch is not None:
            raise ExportError(
                f"{op} episode {index} step {step.step_index}: {mismatch} (recorded, then"
                f" replayed); the env is not deterministic under seed {seed}, so its"
                " observations cannot be rebuilt"
            )
    return len(steps)


class TextMission(gym.ObservationWrapper):  # type: ignore[type-arg]
    """MiniGrid's MissionSpace (which Minari cannot store) as a Text space."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        spaces = dict(inner.observation_space.spaces)
        spaces["mission"] = gym.spaces.Text(max_length=512, charset=string.printable)
        self.observation_space = gym.spaces.Dict(spaces)

    def observation(self, observation: Any) -> Any:
        return observation


def export_command_minari(db: Path, session: str, operator: str | None,
                          chosen_id: str | None) -> int:  # fmt: skip
    import sys
    import warnings

    from mosaic_tui.cli.text import plain

    try:
        with TelemetryStore.open(db) as store, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Minari's advice on author e-mail and eval envs
            written = export_minari(store, session, operator, chosen_id)
    except Exception as exc:  # ExportError, TelemetryError, Minari's own (an existing id...)
        print(f"error: {plain(exc)}", file=sys.stderr)
        return 2
    for name, episodes, steps in written:
        print(f"wrote Minari dataset {name}: {episodes} episodes, {steps} steps"
              " (minari.load_dataset reads it)")  # fmt: skip
    return 0
