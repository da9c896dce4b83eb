"""What each discrete action means, and which one (if any) is a real no-op.

A "noop" baseline must do nothing, not spin: MiniGrid has `done`, MountainCar has "no push",
CartPole has no no-op at all (the baseline then says so instead of pretending).
"""

from __future__ import annotations

from typing import Any

from mosaic_tui.envs.profiles import profile

# Labels that mean "leave the world as it is".
NOOP_LABELS = ("noop", "no-op", "done", "nothing", "no push", "torque 0", "stay", "idle", "wait")


def action_labels(env: Any, n: int, task: str | None = None) -> list[str]:
    """Human-readable names for actions 0..n-1: the env's action enum (MiniGrid), else its
    game profile's labels (`task`, or the env's spec id), else the numbers."""
    base = getattr(env, "unwrapped", env)
    enum = getattr(base, "actions", None)  # MiniGrid's Actions IntEnum
    if enum is not None and hasattr(enum, "__members__"):
        names = {int(v): k for k, v in enum.__members__.items()}
        if len(names) >= n:
            return [names.get(i, str(i)) for i in range(n)]
    if task is None:
        spec = getattr(env, "spec", None)
        task = spec.id if spec is not None else ""
    labels = profile(task).labels  # Gymnasium tasks whose action enum is not introspectable
    if len(labels) == n:
        return list(labels)
    return [str(i) for i in range(n)]


def noop_action(labels: list[str]) -> int | None:
    """The index of the action that does nothing, or None when the env has none."""
    lowered = [label.lower() for label in labels]
    for name in NOOP_LABELS:
        if name in lowered:
            return lowered.index(name)
    return None


def discrete_size(space: Any) -> int:
    """n of a Discrete space; anything else is a clear error, not a crash later."""
    n = getattr(space, "n", None)
    if n is None or type(space).__name__ != "Discrete":
        raise ValueError(
            f"action space {space} is not Discrete; mosaic-tui drives discrete actions only"
        )
    return int(n)
