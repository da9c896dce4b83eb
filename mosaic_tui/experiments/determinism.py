"""Do two runs of the same operator agree step for step? The first place they part, named.

Two runs agree when their step tables (episode, step, agent, action, reward, terminated,
truncated) are equal; rewards are compared exactly, as a same-seed replay must reproduce them
bit for bit. Runs are matched by operator id. A run that stops early (an error, a stop) is
compared as far as both go and then said to be shorter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mosaic_tui.telemetry.rows import RunRow
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


@dataclass
class Comparison:
    """What comparing two sessions found: a check passes only when something was compared."""

    differences: list[Difference] = field(default_factory=list)
    alone: list[str] = field(default_factory=list)  # operator ids in one session only
    compared: dict[str, int] = field(default_factory=dict)  # operator id -> steps compared
    empty: dict[str, str] = field(default_factory=dict)  # operator id -> why it had no steps

    @property
    def reproducible(self) -> bool:
        return bool(self.compared) and not self.differences and not self.empty


def compare_sessions(store: TelemetryStore, first: str, second: str) -> Comparison:
    """The differences between two sessions' runs, by operator id; the operators found in
    only one of them; and those with no steps in either (nothing to compare: not a pass)."""
    mine = {run.operator_id: run for run in store.runs(first)}
    theirs = {run.operator_id: run for run in store.runs(second)}
    order = list(mine) + [op for op in theirs if op not in mine]
    found = Comparison(alone=sorted(mine.keys() ^ theirs.keys(), key=order.index))
    for op_id in sorted(mine.keys() & theirs.keys(), key=order.index):
        one, two = store.step_table(mine[op_id].run_id), store.step_table(theirs[op_id].run_id)
        if not one and not two:
            found.empty[op_id] = _why_empty(mine[op_id], theirs[op_id])
            continue
        difference = first_difference(op_id, one, two)
        if difference is not None:
            found.differences.append(difference)
        else:
            found.compared[op_id] = len(one)
    return found


def _why_empty(first: RunRow, second: RunRow) -> str:
    """Why two runs of one operator recorded no step: their errors' first lines (the rest,
    a log path, differs from run to run), else their statuses."""
    one, two = (run.error.splitlines()[0] if run.error else None for run in (first, second))
    if one and one == two:
        return f"both runs failed: {one}"
    return "; ".join(
        f"the {which} run failed: {error}"
        if error
        else f"the {which} run recorded no step ({run.status})"
        for which, run, error in (("first", first, one), ("second", second, two))
    )


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
