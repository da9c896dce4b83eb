"""Imports that print: the old `gym` package (which overcooked-ai installs, and which Shimmy
imports when it finds it) writes four lines about being unmaintained to stderr on import. We
never use `gym`: those lines are dropped, anything else written meanwhile is passed on."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator

_BANNER = (
    "Gym has been unmaintained since 2022",
    "Please upgrade to Gymnasium, the maintained drop-in replacement of Gym",
    "Users of this version of Gym should be able to simply replace",
    "See the migration guide at https://gymnasium.farama.org/",
)


@contextlib.contextmanager
def gym_banner_hidden() -> Iterator[None]:
    caught = io.StringIO()
    try:
        with contextlib.redirect_stderr(caught):
            yield
    finally:
        kept = [
            line for line in caught.getvalue().splitlines() if not line.startswith(_BANNER)
        ]
        if kept:
            sys.stderr.write("\n".join(kept) + "\n")
