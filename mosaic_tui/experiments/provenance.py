"""How a session was made, recorded with it: the packages that ran it, the experiment file's
hash and its seeds, so `mosaic-tui report` (and a later `check`) can say what produced a
result and whether it can be made again."""

from __future__ import annotations

import importlib.metadata
import platform
from typing import Any

from mosaic_tui.experiments.spec import ExperimentSpec

#: The distributions whose versions decide what a run does (an env's dynamics, the app's own
#: code); the optional ones are recorded when installed.
PACKAGES = (
    "mosaic-tui", "gymnasium", "pettingzoo", "minigrid", "numpy",
    "mosaic-multigrid", "multigrid", "shimmy", "open_spiel", "overcooked-ai",
    "torch", "stable-baselines3", "onnxruntime",
)  # fmt: skip


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def session_meta(spec: ExperimentSpec) -> dict[str, Any]:
    """The session row's meta: the experiment, its file, the file's hash, seeds and versions."""
    schedule = spec.seeds
    if schedule.listed is not None:  # the file's own list (as long as the file made it)
        seeds: dict[str, Any] = {"listed": list(schedule.listed)}
    else:  # start + step * i: two numbers however many episodes
        seeds = {"start": schedule.start, "step": schedule.step, "count": schedule.count}
    return {
        "experiment": spec.name,
        "source": spec.source,
        "file_sha256": spec.digest,
        "episodes": spec.episodes,
        "seeds": seeds,
        "versions": versions(),
        **({"tournament": spec.tournament} if spec.tournament else {}),
    }
