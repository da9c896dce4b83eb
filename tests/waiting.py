"""Waiting for something to happen, the one way every test folder does it: poll a condition,
fail with what was awaited. (Fixed sleeps are kept only where a test asserts that nothing
happens during a window.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


async def until(
    condition: Callable[[], bool],
    timeout: float = 20.0,
    *,
    pilot: Any = None,
    what: str = "condition",
) -> None:
    """Let the loop (or, with a Textual `pilot`, the app) run until `condition()` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what} not reached in time")
        if pilot is not None:
            await pilot.pause(0.05)
        else:
            await asyncio.sleep(0.01)


def wait_for(condition: Callable[[], bool], timeout: float, what: str = "condition") -> None:
    """Block (no event loop: a subprocess test) until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
