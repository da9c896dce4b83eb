"""An experiment's seeds as a schedule: episode i's seed is computed when asked."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import overload


class SeedSchedule(Sequence[int]):
    """Episode i's seed, computed when asked: `start + i`, `start` for every episode (a
    "fixed" environment: `step = 0`), or the file's own list.

    A schedule, not a list, so a run of ten million episodes holds two numbers, and the
    `run` command on the wire carries `seed` + `episodes` instead of every seed.
    """

    __slots__ = ("start", "count", "listed", "step")

    def __init__(
        self,
        start: int = 0,
        count: int = 1,
        listed: Sequence[int] | None = None,
        step: int = 1,
    ):
        self.start = start
        self.count = count if listed is None else min(count, len(listed))
        self.listed: tuple[int, ...] | None = None if listed is None else tuple(listed[:count])
        self.step = 1 if listed is not None else step

    def __len__(self) -> int:
        return self.count

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[int]: ...
    def __getitem__(self, index: int | slice) -> int | Sequence[int]:
        if isinstance(index, slice):
            if self.listed is not None:
                return self.listed[index]
            if self.step == 0:
                return [self.start] * len(range(self.count)[index])
            return range(self.start, self.start + self.count)[index]
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(f"episode {index} is outside the {self.count} of this run")
        return self.listed[index] if self.listed is not None else self.start + self.step * index

    def __iter__(self) -> Iterator[int]:
        if self.listed is not None:
            return iter(self.listed)
        if self.step == 0:
            return itertools.repeat(self.start, self.count)
        return iter(range(self.start, self.start + self.count))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SeedSchedule):
            mine = (self.start, self.count, self.listed, self.step)
            return mine == (other.start, other.count, other.listed, other.step)
        if isinstance(other, (tuple, list, range)):
            same = len(other) == self.count
            return same and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.start, self.count, self.listed, self.step))

    def __repr__(self) -> str:
        if self.listed is not None:
            return f"SeedSchedule(listed={self.listed!r})"
        step = "" if self.step == 1 else f", step={self.step}"
        return f"SeedSchedule(start={self.start}, count={self.count}{step})"
