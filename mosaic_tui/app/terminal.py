"""The app's side of a terminal that goes away: SIGHUP (the terminal or SSH session closed),
SIGTERM and SIGINT end it cleanly (exit 128 + the signal), and a deadline kills whatever a
graceful stop leaves behind.

How a hang-up is noticed without a signal (the tty is not the controlling one) is the
driver's business: `driver.TerminalDriver`, which calls the app's `terminal_lost` as well.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import Callable

from textual.driver import Driver

QUIT_DEADLINE = 1.5  # seconds a lost terminal leaves for a graceful stop


def driver_class() -> type[Driver] | None:
    """On Linux, the driver that notices a terminal that hung up (see `app.driver`); None
    (Textual's own choice) elsewhere, or when `TEXTUAL_DRIVER` names one."""
    if sys.platform.startswith("linux") and not os.environ.get("TEXTUAL_DRIVER"):
        from mosaic_tui.app.driver import TerminalDriver

        return TerminalDriver
    return None


def watch_signals(ended: Callable[[int], None]) -> None:
    """SIGHUP, SIGTERM and SIGINT (`kill -INT`: in the app, ctrl+c is a key, not a signal)
    call `ended(sig)` on the running loop; off the main thread they cannot be caught here,
    and whoever runs the loop keeps them."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, ended, sig)
        except (ValueError, RuntimeError, NotImplementedError):  # not the main thread
            pass


def leave_terminal(driver: Driver | None, sig: int) -> None:
    """Before a graceful stop (finished episodes are already committed): nothing more is
    written to a terminal that hung up, and if the stop has not ended the process within
    `QUIT_DEADLINE` seconds, the workers are killed and the process ends anyway — a dropped
    SSH connection never leaves it behind."""
    if sig == signal.SIGHUP and driver is not None and hasattr(driver, "hung_up"):
        driver.hung_up.set()
    deadline = threading.Timer(QUIT_DEADLINE, _kill_now, args=(int(sig),))
    deadline.daemon = True
    deadline.start()


def _kill_now(sig: int) -> None:
    """The graceful stop took too long: kill every worker, then this process."""
    from mosaic_tui.runtime import process

    process._kill_leftovers()  # every live worker's process group
    os._exit(128 + sig)
