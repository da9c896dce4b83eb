"""The reproducibility check: the same seed gives the same episode (an env worker) or the same
actions (a decision worker), twice in one worker and once in a new one.
"""

from __future__ import annotations

from typing import Any

from mosaic_tui.runtime.conformance_context import (
    INIT_AGENT,
    MASKS,
    Context,
    _env_action,
    _finish_episode,
)
from mosaic_tui.runtime.worker_session import CheckFailed, Session, compact, shown

REPRO_SEED = 7
REPRO_STEPS = 12  # a uniformly random worker repeats 12 choices by chance about once in 10^6
REPRO_MASKS = [MASKS[i % 3 * 2] for i in range(REPRO_STEPS)]  # mostly all four legal


def check_reproducible(ctx: Context) -> str:
    """The same seed twice gives the same episode (env) or the same actions (decision): once
    in the same worker, once in a new one."""
    first = _seeded_run(ctx.fresh(), ctx.role, reset_twice=True)
    again, second = first
    if again != second:
        raise CheckFailed(
            f"two resets with seed {REPRO_SEED} in one worker differ: {_diff(again, second)};"
            " seed every source of randomness from the reset's seed"
        )
    other = _seeded_run(ctx.fresh(), ctx.role, reset_twice=False)[0]
    if other != again:
        raise CheckFailed(
            f"seed {REPRO_SEED} in two workers differ: {_diff(again, other)}; do not draw"
            " from an unseeded source (time, os.urandom, hash order)"
        )
    return f"seed {REPRO_SEED}: the same {len(again)} results three times"


def _seeded_run(session: Session, role: str, reset_twice: bool) -> list[list[Any]]:
    runs = []
    if role == "decision":
        session.request(INIT_AGENT, "agent_ready")
    for _ in range(2 if reset_twice else 1):
        results: list[Any] = []
        if role == "decision":
            session.request({"cmd": "reset", "seed": REPRO_SEED}, "ready")
            for i, mask in enumerate(REPRO_MASKS):
                answer = session.request(
                    {
                        "cmd": "select_action",
                        "observation": i,
                        "info": {},
                        "action_mask": mask,
                        "player_id": "agent",
                        "step_index": i,
                    },
                    "action_selected",
                )
                results.append(answer.get("action"))
        else:
            event = session.request(
                {"cmd": "reset", "seed": REPRO_SEED, "observe": True, "auto_reset": False},
                "ready",
            )
            results.append(event.get("observation"))
            for _ in range(REPRO_STEPS):
                step = session.request({"cmd": "step", **_env_action(event)}, "step")
                results.append(
                    [step.get("observation"), step.get("reward"), step.get("terminated")]
                )
                if step.get("terminated") or step.get("truncated"):
                    _finish_episode(session, step)
                    break
                event = step
        runs.append(results)
    return runs


def _diff(a: list[Any], b: list[Any]) -> str:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"result {i}: {shown(compact(x))} vs {shown(compact(y))}"
    return f"{len(a)} vs {len(b)} results"
