"""`mosaic-tui convert FILE.py`: a MOSAIC experiment script as an experiment TOML file."""

from __future__ import annotations

import sys
from pathlib import Path


def convert_command(path: Path, output: Path | None) -> int:
    """A script, checked as `run` would check it, then written as TOML (never over a file)."""
    from mosaic_tui.experiments import ExperimentError, load
    from mosaic_tui.experiments.script import ScriptError, read_script, to_toml

    if path.suffix != ".py":
        print(f"error: {path}: convert reads MOSAIC's Python scripts (FILE.py)", file=sys.stderr)
        return 2
    if output is not None:  # before the work: a parent that is a file is not "exists"
        from mosaic_tui.cli.outputs import unwritable

        if output.exists() and not output.is_dir():
            print(f"error: {output} exists; remove it or choose another -o", file=sys.stderr)
            return 2
        why = unwritable(output)
        if why is not None:
            print(f"error: cannot write {output}: {why}; choose another -o", file=sys.stderr)
            return 2
    try:
        load(path)  # every check `run` makes, with the file and key or line at fault
        text = to_toml(read_script(path))
    except (ExperimentError, ScriptError) as exc:
        print(f"error: {path}: {exc}" if isinstance(exc, ScriptError) else f"error: {exc}",
              file=sys.stderr)  # fmt: skip
        return 2
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        with open(output, "x", encoding="utf-8") as out:  # never over an existing file
            out.write(text)
    except FileExistsError:
        print(f"error: {output} exists; remove it or choose another -o", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write {output}: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {output}", file=sys.stderr)
    return 0
