"""`mosaic-tui check FILE`: run an experiment twice (or once, against a recorded session) and
say whether every step matched, naming the first operator, episode and step that did not.

Both runs are recorded like any `mosaic-tui run` (in the `--db` given, else in the default
database), so the two sessions can be reported and exported afterwards. Exit 0: every step
matched (and at least one step of every common operator was compared); 1: something differs,
or nothing could be compared (runs that failed, no operator in common); 2: the check could
not run.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from mosaic_tui.cli.run import execute
from mosaic_tui.cli.text import safe
from mosaic_tui.experiments import ExperimentError, load
from mosaic_tui.experiments.determinism import (
    Comparison,
    compare_sessions,
    provenance_changes,
)
from mosaic_tui.telemetry import TelemetryError, TelemetryStore, default_db_path

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def check_command(
    path: Path, db: Path | None, against: str | None, log_dir: Path | None = None
) -> int:
    try:
        spec = load(path)
    except ExperimentError as exc:
        errors.print(f"error: {safe(exc)}")
        return 2
    db = db or default_db_path()
    if against is not None:
        try:
            with TelemetryStore.open(db) as store:
                recorded = store.session(against)
        except TelemetryError as exc:
            errors.print(f"error: {safe(exc)}")
            return 2
        if recorded is None:
            errors.print(f"error: no session {safe(against)!r} in {safe(db)}; `mosaic-tui"
                         " sessions` lists them")  # fmt: skip
            return 2
    sessions = [against] if against else []
    while len(sessions) < 2:
        console.print(f"run {len(sessions) + 1} of 2" if not against else "the new run")
        made: list[str] = []
        code = execute(spec, db=db, log_dir=log_dir, on_session=made.append)
        if not made:  # it could not start recording: the messages above say why
            return code or 2
        if code not in (0, 1):  # interrupted: nothing to compare
            return code
        sessions.append(made[0])
    with TelemetryStore.open(db) as store:
        found = compare_sessions(store, sessions[0], sessions[1])
        first, second = store.session(sessions[0]), store.session(sessions[1])
    changes = provenance_changes(first.meta or {}, second.meta or {}) if first and second else []
    console.print(f"compared session {safe(sessions[0])} with {safe(sessions[1])}")
    for change in changes:
        console.print(f"  note: {safe(change)}")
    for op_id in found.alone:
        console.print(f"  {safe(op_id)}: in one session only, not compared")
    for op_id, why in found.empty.items():
        console.print(f"  {safe(op_id)}: no step recorded in either run, not compared: {safe(why)}")
    if found.reproducible:
        console.print("every step matches: the experiment is reproducible under its seeds")
        return 0
    if not found.differences:
        console.print(_nothing_compared(found), highlight=False, soft_wrap=True)
        return 1
    for d in found.differences:
        where = "" if d.episode is None else f" episode {d.episode}" + (
            f" step {d.step}" if d.step is not None else "")  # fmt: skip
        console.print(f"DIFFERS {safe(d.operator_id)}{where}: {safe(d.what)}")
    console.print(
        "not reproducible: a player or env that is not seeded (an LLM, a command worker that"
        " draws its own randomness), or a changed file or package, makes runs part"
    )
    return 1


def _nothing_compared(found: Comparison) -> str:
    """Why the check cannot say the experiment is reproducible although nothing differed."""
    if found.compared:  # some matched, but an operator played no step in either run
        return (
            "not checked: the operators above recorded no step, so their reproducibility is"
            " unknown; fix what made them fail and check again"
        )
    if found.empty:
        return (
            "nothing was compared: no operator recorded a step in either run (why is said"
            " above); fix the cause and check again"
        )
    return (
        "nothing was compared: no operator is in both sessions; check against a session of"
        " the same experiment (`mosaic-tui sessions` lists them)"
    )
