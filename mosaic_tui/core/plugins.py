"""Plugins: workers and env families other packages declare as Python entry points.

Three groups are read: our own `mosaic_tui.workers` and `mosaic_tui.families` (each entry point
names an object to load: docs/plugins.md), and the reference platform's `mosaic.workers`,
whose objects import the reference GUI when loaded, so only each entry point's name and module
are read there. A plugin that fails to load is reported (`broken()`), skipped, never fatal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

WORKERS = "mosaic_tui.workers"
FAMILIES = "mosaic_tui.families"
REFERENCE_WORKERS = "mosaic.workers"


@dataclass(frozen=True)
class Source:
    """Where a plugin comes from: the entry point and the distribution that declares it."""

    group: str
    name: str
    value: str  # "module:attribute"
    distribution: str  # "name version", or "" when unknown

    @property
    def module(self) -> str:
        return self.value.split(":", 1)[0].strip()

    def __str__(self) -> str:
        by = f" from {self.distribution}" if self.distribution else ""
        return f"{self.group} entry point {self.name!r} ({self.value}){by}"


@dataclass(frozen=True)
class Broken:
    source: Source
    error: str

    def __str__(self) -> str:
        return f"{self.source} is broken and was skipped: {self.error}"


_broken: dict[tuple[str, str], Broken] = {}


def sources(group: str) -> list[Source]:
    """The group's entry points, not loaded, first one per name (sorted by name)."""
    seen: dict[str, Source] = {}
    for entry in metadata.entry_points(group=group):
        dist = getattr(entry, "dist", None)
        where = f"{dist.name} {dist.version}" if dist is not None else ""
        seen.setdefault(entry.name, Source(group, entry.name, entry.value, where))
    return sorted(seen.values(), key=lambda s: s.name)


def load(group: str, check: Callable[[Any], Any]) -> list[tuple[Source, Any]]:
    """Every entry point of the group, loaded (a callable is called with no arguments) and
    passed through `check`, which returns the usable object or raises with the reason."""
    loaded = []
    for key in [k for k in _broken if k[0] == group]:  # what failed last time is read again
        del _broken[key]
    for source in sources(group):
        try:
            obj = _entry(source).load()
            if callable(obj) and not isinstance(obj, type):
                obj = obj()
            loaded.append((source, check(obj)))
        except Exception as exc:  # noqa: BLE001 - a plugin may raise anything: report, skip
            _broken[(group, source.name)] = Broken(source, f"{type(exc).__name__}: {exc}")
    return loaded


def broken() -> list[Broken]:
    """Plugins that failed to load, for `mosaic-tui workers` and the app to report."""
    return sorted(_broken.values(), key=lambda b: (b.source.group, b.source.name))


def _entry(source: Source) -> metadata.EntryPoint:
    return metadata.EntryPoint(name=source.name, value=source.value, group=source.group)
