"""The players of the environment worker's self-driving steps: scripted baselines (random,
noop, cycling; seeded, and only ever legal moves) and trained policy files.

The baseline worker and the RL worker use the same code, so an operator gives the same
actions whether its player runs inside the env worker or as a separate decision worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mosaic_tui.protocol.worker_settings import BEHAVIORS  # the one list (workers' settings)
from worker_common.trained import load


class NoLegalAction(RuntimeError):
    """The action mask allows nothing; the env, not the baseline, is at fault."""


class BaselinePolicy:
    def __init__(self, behavior: str, n_actions: int, noop_action: int | None = None) -> None:
        if behavior not in BEHAVIORS:
            raise ValueError(f"unknown behavior {behavior!r}; choose one of {', '.join(BEHAVIORS)}")
        if n_actions < 1:
            raise ValueError(f"need at least one action, got {n_actions}")
        self.behavior = behavior
        self.n_actions = n_actions
        self.noop_action = noop_action
        self._rng = np.random.default_rng()
        self._last = -1

    @property
    def note(self) -> str | None:
        """Why this baseline does not do what its name says, if it cannot."""
        if self.behavior == "noop" and self.noop_action is None:
            return "this env has no no-op action; noop plays the first legal action"
        return None

    def reset(self, seed: int | None) -> None:
        """Restart the policy's randomness for an episode: same seed, same actions."""
        self._rng = np.random.default_rng(seed)
        self._last = -1

    def act(self, mask: Sequence[int] | np.ndarray | None = None, observation: Any = None) -> int:
        """The next action (a baseline does not look at the observation)."""
        legal = self._legal(mask)
        if self.behavior == "random":
            return int(legal[int(self._rng.integers(len(legal)))])
        if self.behavior == "noop":
            if self.noop_action is not None and self.noop_action in legal:
                return self.noop_action
            return int(legal[0])
        later = legal[legal > self._last]
        self._last = int(later[0]) if len(later) else int(legal[0])
        return self._last

    def _legal(self, mask: Sequence[int] | np.ndarray | None) -> np.ndarray:
        if mask is None:
            return np.arange(self.n_actions)
        legal = np.flatnonzero(np.asarray(mask)[: self.n_actions])
        if len(legal) == 0:
            raise NoLegalAction("the action mask allows no action")
        return legal


class TrainedPolicy:
    """A trained policy file (.npz, as rl_worker reads it) playing the one seat: its greedy
    or sampled action for each observation, sampling seeded as rl_worker seeds it (by each
    reset's seed, else `seed`)."""

    note = None

    def __init__(
        self,
        path: str,
        n_actions: int,
        *,
        sample: bool,
        seed: int | None,
        n_states: int | None = None,
    ) -> None:
        self.policy = load(path)  # PolicyError (a ValueError) names the file and the fault
        if self.policy.n_actions != n_actions:
            raise ValueError(
                f"{path} has {self.policy.n_actions} actions; this env has {n_actions}"
            )
        # a Q-table for another grid (FrozenLake's 16 states on CliffWalking's 48) is refused
        # at start, not at the first state past its end (or never, the other way round)
        if self.policy.kind == "qtable" and n_states is not None:
            if self.policy.n_inputs != n_states:
                trained = f" (trained on {self.policy.task})" if self.policy.task else ""
                raise ValueError(
                    f"{path} is a Q-table over {self.policy.n_inputs} states{trained}; this"
                    f" env has {n_states}"
                )
        self.sample, self.seed = sample, seed
        self._rng = np.random.default_rng(seed)

    def reset(self, seed: int | None) -> None:
        self._rng = np.random.default_rng(seed if seed is not None else self.seed)

    def act(self, mask: Sequence[int] | np.ndarray | None = None, observation: Any = None) -> int:
        return self.policy.act(observation, mask, self._rng, self.sample)[0]  # type: ignore[arg-type]
