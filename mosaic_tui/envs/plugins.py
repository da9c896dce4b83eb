"""Env families from other packages (the `mosaic_tui.families` entry-point group).

A plugin package declares, in its pyproject.toml:

    [project.entry-points."mosaic_tui.families"]
    counter = "my_package.mosaic:FAMILY"

where `FAMILY` is `plugin_family(...)` (or a function returning one). Its module is imported
whenever mosaic-tui or its env worker starts, so it should import its env library lazily, in
`make`. A family that fails to load, or whose name is taken, is reported and skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from mosaic_tui.core import plugins
from mosaic_tui.envs.families import Family

KINDS = ("single", "aec", "parallel")


def plugin_family(
    name: str,
    title: str,
    tasks: Iterable[str],
    make: Callable[..., Any],
    *,
    kind: str = "single",
    requires: Iterable[str] = (),
    smoke_task: str | None = None,
) -> Family:
    """A family a plugin adds.

    `make(task, *, render_mode, execution_mode, **settings)` returns a Gymnasium env
    (kind "single"), a PettingZoo AEC env ("aec") or a PettingZoo parallel env ("parallel");
    `requires` are modules that must be importable for the family to count as installed.
    """
    listed = tuple(tasks)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if not listed or not all(isinstance(t, str) and t for t in listed):
        raise ValueError("tasks must be a non-empty list of task ids")
    if not callable(make):
        raise TypeError("make must be callable: make(task, *, render_mode, execution_mode, ...)")
    return Family(
        name,
        title,
        tuple(requires),
        None,
        lambda task, module: task in listed,
        kind=kind,
        smoke_task=smoke_task or listed[0],
        tasks=listed,
        make=make,
        source="plugin",
    )


def plugin_families(taken: set[str]) -> list[Family]:
    """Every loadable family of the group whose name is not already taken."""

    def check(obj: Any) -> Family:
        if not isinstance(obj, Family) or obj.make is None:
            raise TypeError("the entry point must name a plugin_family(...) (or return one)")
        if obj.name in taken:
            raise ValueError(f"the family name {obj.name!r} is already taken")
        return obj

    found = []
    for source, fam in plugins.load(plugins.FAMILIES, check):
        taken.add(fam.name)
        found.append(_with_source(fam, str(source)))
    return found


def _with_source(fam: Family, source: str) -> Family:
    import dataclasses

    return dataclasses.replace(fam, source=source)
