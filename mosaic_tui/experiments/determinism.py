"""Do two runs of the same operator agree step for step? The first place they part, named.

Two runs agree when their step tables (episode, step, agent, action, reward, terminated,
truncated) are equal; rewards are compared exactly, as a same-seed replay must reproduce them
bit for bit. Runs are matched by operator id. A run that stops early (an error, a stop) is
compared as far as both go and then said to be shorter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mosaic_tui.telemetry.store import StepTuple, TelemetryStore

FIELDS = ("episode", "step", "agent", "action", "reward", "terminated", "truncated")


@dataclass(frozen=True)
class Difference:
    operator_id: str
    episode: int | None
    step: int | None
    what: str  # "action 2 then 3", "run A has 120 steps, run B 80", ...


def first_difference(
    operator_id: str, first: Sequence[StepTuple], second: Sequence[StepTuple]
) -> Difference | None:
    for one, two in zip(first, second, strict=False):
        if one != two:
            if one[:3] != two[:3]:  # not even the same step: one run's episode ended sooner
                return Difference(
                    operator_id,
                    min(one[0], two[0]),
                    min(one[1], two[1]) if one[0] == two[0] else None,
                    f"the first run has episode {one[0]} step {one[1]} ({one[2]}), the second"
                    f" episode {two[0]} step {two[1]} ({two[2]}): an episode ended sooner",
                )
            parts = [
                f"{name} {a!r} then {b!r}"
                for name, a, b in zip(FIELDS[3:], one[3:], two[3:], strict=True)
                if a != b
            ]
            return Difference(operator_id, one[0], one[1], f"{one[2]}: " + "; ".join(parts))
    if len(first) != len(second):
        shorter = "first" if len(first) < len(second) else "second"
        return Difference(
            operator_id,
            None,
            None,
            f"the {shorter} run stops after {min(len(first), len(second))} steps, the other has"
            f" {max(len(first), len(second))}",
        )
    return None


def compare_sessions(
    store: TelemetryStore, first: str, second: str
) -> tuple[list[Difference], list[str]]:
    """The differences between two sessions' runs, by operator id, and the operator ids
    found in only one of them."""
    mine = {run.operator_id: run for run in store.runs(first)}
    theirs = {run.operator_id: run for run in store.runs(second)}
    differences = []
    for op_id in mine.keys() & theirs.keys():
        found = first_difference(
            op_id, store.step_table(mine[op_id].run_id), store.step_table(theirs[op_id].run_id)
        )
        if found is not None:
            differences.append(found)
    order = list(mine) + [op for op in theirs if op not in mine]
    differences.sort(key=lambda d: order.index(d.operator_id))
    alone = sorted(mine.keys() ^ theirs.keys(), key=order.index)
    return differences, alone


def provenance_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What differs in how two sessions were made: the file's hash, the seeds, versions."""
    changes = []
    if before.get("file_sha256") and before.get("file_sha256") != after.get("file_sha256"):
        changes.append("the experiment file changed since the recorded session")
    if before.get("seeds") and before.get("seeds") != after.get("seeds"):
        changes.append(f"seeds {before.get('seeds')} then {after.get('seeds')}")
    old, new = before.get("versions") or {}, after.get("versions") or {}
    for name in sorted(old.keys() | new.keys()):
        if old.get(name) != new.get(name):
            changes.append(f"{name} {old.get(name, 'absent')} then {new.get(name, 'absent')}")
    return changes
