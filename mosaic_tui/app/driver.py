"""The terminal driver: Textual's Linux driver, plus what a remote terminal needs.

* **A terminal that goes away ends the app.** When an SSH connection drops (or the terminal
  window closes) the tty hangs up: reads return EOF, writes fail with EIO. Textual's input
  thread keeps polling the dead tty forever and its output thread dies on the first failed
  write, after which the app blocks on a full queue — the app and every worker it started
  would outlive the terminal. Here a small thread waits for the hang-up (`poll` reports it
  without reading anything) and tells the app, failed writes are swallowed and reported the
  same way, and nothing more is written once the terminal is gone.
* **The screen goes to the terminal even when stderr does not.** Textual draws on stderr;
  with `mosaic-tui 2>log` the screen would go to the log. Then the controlling terminal
  (`/dev/tty`) is drawn on instead, and stderr stays the log.
"""

from __future__ import annotations

import asyncio
import select
import sys
import threading
from collections.abc import Callable
from typing import IO, Any

from textual.drivers.linux_driver import LinuxDriver

LOST = select.POLLHUP | select.POLLERR | select.POLLNVAL


def terminal_output() -> IO[str] | None:
    """Where the screen can be drawn: stderr if it is a terminal, else the controlling
    terminal; None when the process has no terminal at all."""
    stderr = sys.__stderr__
    if stderr is not None and stderr.isatty():
        return stderr
    try:
        return open("/dev/tty", "w", encoding="utf-8")  # noqa: SIM115 (closed by the driver)
    except OSError:
        return None


class _TtyFile:
    """The terminal as Textual's output thread sees it: a failed write means it hung up."""

    def __init__(self, file: IO[str], lost: Callable[[], None]) -> None:
        self._file = file
        self._lost = lost

    def write(self, text: str) -> int:
        try:
            return self._file.write(text)
        except (OSError, ValueError):  # EIO once the terminal hung up; ValueError if closed
            self._lost()
            return 0

    def flush(self) -> None:
        try:
            self._file.flush()
        except (OSError, ValueError):
            self._lost()

    def fileno(self) -> int:
        return self._file.fileno()

    def isatty(self) -> bool:
        return True


class TerminalDriver(LinuxDriver):
    """Calls the app's `terminal_lost()` (on its loop) once the terminal has hung up."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.hung_up = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        output = terminal_output() or sys.__stderr__
        self._own_output = output if output is not sys.__stderr__ else None
        self._file = _TtyFile(output, self._lost)  # type: ignore[assignment]

    def start_application_mode(self) -> None:
        self._loop = asyncio.get_running_loop()
        super().start_application_mode()
        threading.Thread(target=self._watch, name="mosaic-tty-watch", daemon=True).start()

    def write(self, data: str) -> None:
        if not self.hung_up.is_set():  # a dead terminal takes nothing: no blocked queue
            super().write(data)

    def close(self) -> None:
        super().close()
        if self._own_output is not None:
            try:
                self._own_output.close()
            except OSError:
                pass

    def _watch(self) -> None:
        """Wait for the terminal to hang up; reads nothing, so keys still reach Textual."""
        poller = select.poll()
        fds = {self.fileno, self._file.fileno()}
        for fd in fds:
            poller.register(fd, 0)  # no events asked: only hang-up, error, invalid come back
        while not self.exit_event.is_set() and not self.hung_up.is_set():
            if any(mask & LOST for _fd, mask in poller.poll(500)):
                self._lost()
                return

    def _lost(self) -> None:
        if self.hung_up.is_set():
            return
        self.hung_up.set()
        self.exit_event.set()  # Textual's input thread stops reading the dead terminal
        loop, lost = self._loop, getattr(self._app, "terminal_lost", None)
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(lost or self._app.exit)
        except RuntimeError:  # the loop closed meanwhile: the app is ending anyway
            pass
