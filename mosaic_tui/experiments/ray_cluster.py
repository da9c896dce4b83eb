"""Ray itself for `--backend ray`: importing it, starting or joining a cluster, leaving it.

Ray is imported only when asked for (the `ray` extra): `import_ray` says how to install it
when it is missing.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import threading
from typing import Any

MISSING = "--backend ray needs Ray, which the ray extra installs: pip install 'mosaic-tui[ray]'"
_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_connected: list[Any] = []  # the `ray` module, while a run of ours is connected


class RayBackendError(Exception):
    """The Ray backend cannot run this (Ray missing, a player that cannot play remotely)."""


def import_ray() -> Any:
    """The `ray` module, or RayBackendError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise RayBackendError(MISSING) from None
    return ray


def connect(ray: Any, address: str | None) -> bool:
    """Connect to the cluster at `address`, or start a local Ray for this run (None); True
    when this call started or joined it (and `ray.shutdown` is ours to call), False when the
    program had already initialised Ray (a test's `ray.init(num_cpus=2)`).

    `ray.init` blocks the event loop (a local Ray must be started from the main thread: its
    processes die with the thread that started them), so while it runs a stop signal raises
    KeyboardInterrupt here (and Ray is shut down again); the signal still reaches the event
    loop's handler afterwards (its wake-up byte is written). A `host:port` that nobody
    answers on is refused first: Ray itself would wait for it for ever."""
    if ray.is_initialized():
        return False
    if address is not None:
        _probe(address)
    quiet: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": False}
    main = threading.current_thread() is threading.main_thread()
    handlers = {sig: signal.getsignal(sig) for sig in _SIGNALS} if main else {}
    for sig in handlers:
        signal.signal(sig, _interrupt)
    try:
        if address is None:
            ray.init(include_dashboard=False, **quiet)
        else:
            ray.init(address=address, **quiet)
        _connected.append(ray)
    except BaseException:
        with contextlib.suppress(Exception):
            ray.shutdown()
        raise
    finally:  # and ray.init takes SIGTERM for itself: the run's polite stop keeps it
        for sig, handler in handlers.items():
            if handler is not None:
                signal.signal(sig, handler)
    return True


def _probe(address: str, limit: float = 5.0) -> None:
    """OSError unless something listens at a `host:port` address (`auto`, `ray://...` and
    the like are Ray's to resolve)."""
    host, _, port = address.rpartition(":")
    if "://" in address or not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=limit).close()
    except OSError as exc:
        raise OSError(
            f"nothing answers at {address} ({exc}); is the Ray head running there?"
            " (`ray start --head` prints its address)"
        ) from None


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def shutdown_now() -> None:
    """The impatient stop (a second Ctrl-C, then `os._exit`): end the Ray this run started
    (its processes would outlive an exit that skips `ray.shutdown`) or leave the cluster it
    joined (Ray then ends the run's tasks)."""
    while _connected:
        with contextlib.suppress(Exception):
            _connected.pop().shutdown()
