"""The same toast twice at once shows once: a key pressed again at a limit (`+` at the
fastest pace) would otherwise stack copies of one message over the panes."""

from __future__ import annotations

from collections.abc import Hashable


class ToastGate:
    """Admits a toast unless the same one (same key) is still on screen."""

    def __init__(self, limit: int = 64) -> None:
        self.limit = limit  # keys remembered; expired ones are dropped past it
        self._until: dict[Hashable, float] = {}

    def admit(self, key: Hashable, now: float, timeout: float) -> bool:
        """True if a toast `key` shown at `now` for `timeout` seconds should be shown."""
        until = self._until.get(key)
        if until is not None and now < until:
            return False
        if len(self._until) >= self.limit:
            self._until = {k: t for k, t in self._until.items() if t > now}
        self._until[key] = now + timeout
        return True
