"""`python -m env_worker --interactive`: the env worker as the reference platform drives one
(seed 004's interactive mode), so its GUI and scripts written for it can use our worker.

`reset {seed}` answers `ready` (no `init` line first); `step` (with an `action`, or without one:
the worker's own policy, seeded by the reset) answers `step`, then `episode_end` and a fresh
episode when it ended; `stop` answers `stopped`. Single-agent (Gymnasium) tasks only: the
dialect has one action per step. Frames travel as RGB lists with `--render-mode rgb_array`.
"""

from __future__ import annotations

import traceback
from typing import Any, BinaryIO

import numpy as np

from mosaic_tui.protocol import reference
from mosaic_tui.protocol.codec import MAX_LINE_BYTES


class Interactive:
    def __init__(
        self,
        env: Any,
        out: BinaryIO,
        *,
        run_id: str,
        env_id: str,
        policy: str = "random",
        frames: bool = False,
        max_steps: int | None = None,
    ) -> None:
        self.env, self.out = env, out
        self.run_id, self.env_id = run_id, env_id
        self.policy, self.frames, self.max_steps = policy, frames, max_steps
        self.started = False  # a reset came
        self.episode_index = -1
        self.steps = 0
        self.total = 0.0

    def send(self, event: dict[str, Any], frame: bool = True) -> None:
        if frame and self.frames:
            payload = reference.render_payload(self.env.render())
            if payload is not None:
                event["render_payload"] = payload
        reference.write(self.out, event)

    def serve(self, lines: BinaryIO) -> int:
        while line := lines.readline(MAX_LINE_BYTES + 1):
            if not line.strip():
                continue
            try:
                command = reference.parse(line)
                kind = command.get("cmd")
                if kind == "stop":
                    self.send({"type": "stopped"}, frame=False)
                    return 0
                if kind == "reset":
                    self.reset(command.get("seed"), command.get("max_steps"))
                elif kind == "step":
                    self.step(command.get("action"))
                elif kind == "ping":
                    self.send({"type": "pong"}, frame=False)
                else:
                    self.send(reference.error(f"Unknown command: {kind}"), frame=False)
            except ValueError as exc:  # a line the dialect cannot read: say so, go on
                self.send(reference.error(str(exc)), frame=False)
            except Exception as exc:  # an env that raises: the worker answers and serves on
                traceback.print_exc()
                self.send(reference.error(f"{type(exc).__name__}: {exc}"), frame=False)
        return 0  # stdin closed

    def reset(self, seed: Any, max_steps: Any = None) -> None:
        """`max_steps` (the reference GUI sends it with every reset) holds until the next."""
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"Reset failed: seed must be an integer, not {seed!r}")
        if max_steps is not None:
            if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
                raise ValueError(f"Reset failed: max_steps must be a whole number >= 1, not"
                                 f" {max_steps!r}")  # fmt: skip
            self.max_steps = max_steps
        self.env.action_space.seed(seed)  # the worker's own actions repeat with the seed
        observation = self._begin(seed)
        shape = list(np.shape(observation)) if not isinstance(observation, dict) else None
        self.send(reference.ready(self.run_id, self.env_id, seed, self.episode_index, shape))

    def _begin(self, seed: int | None) -> Any:
        observation, _ = self.env.reset(seed=seed)
        self.started, self.steps, self.total = True, 0, 0.0
        self.episode_index += 1
        return observation

    def step(self, action: Any) -> None:
        if not self.started:
            raise ValueError("Step failed: send reset first")
        if action is None:
            action = self.env.action_space.sample() if self.policy == "random" else 0
        elif not _legal(self.env.action_space, action):
            raise ValueError(f"Step failed: {action!r} is not an action of {self.env_id}")
        _, reward, terminated, truncated, _ = self.env.step(action)
        self.steps += 1
        self.total += float(reward)
        truncated = bool(truncated) or (self.max_steps is not None and self.steps >= self.max_steps)
        self.send(
            reference.step(
                self.run_id, self.steps, self.episode_index, _plain(action), float(reward),
                bool(terminated), truncated, self.total,
            )
        )  # fmt: skip
        if terminated or truncated:
            self.send(
                reference.episode_end(
                    self.run_id, self.episode_index, self.total, self.steps,
                    bool(terminated), truncated,
                )
            )  # fmt: skip
            # auto-reset, silently as seed 004 does (a driver reads one line per step and one
            # more at an end); the next episode follows the env's own seed stream
            self._begin(None)


def _legal(space: Any, action: Any) -> bool:
    try:
        return bool(space.contains(np.asarray(action, dtype=space.dtype)))
    except (TypeError, ValueError):
        return False


def _plain(action: Any) -> Any:
    """An action as JSON has it (numpy scalars and arrays become numbers and lists)."""
    return np.asarray(action).tolist()
