"""How the store's rows sit in SQLite: the column lists, and JSON values in and out.

Dicts and lists (configs, per-agent rewards, a step's extra) are stored as JSON text; numpy
scalars and arrays are converted duck-typed, without importing numpy.
"""

from __future__ import annotations

import json
from typing import Any

_RUN_COLS = (
    "run_id, session_id, operator_id, display_name, env_name, task, config, "
    "started_at, ended_at, status, error"
)
_EPISODE_COLS = (
    "run_id, episode_index, seed, total_reward, length, terminated, truncated, "
    "started_at, ended_at, rewards, success"
)
_STEP_COLS = "episode_index, step_index, agent, action, reward, terminated, truncated, extra"


def _json_default(value: Any) -> Any:
    # Duck-typed numpy support (scalars have .item(), arrays .tolist()) without importing it.
    for attr in ("item", "tolist"):
        convert = getattr(value, attr, None)
        if callable(convert):
            try:
                return convert()
            except (TypeError, ValueError):
                pass
    return str(value)


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=_json_default)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _opt_bool(value: int | None) -> bool | None:
    return None if value is None else bool(value)
