"""No worker outlives the app: descendants are tagged, re-parented to us, and killed by tag.

A worker's environment carries `TAG_VARIABLE`, which every descendant inherits however it
detaches (a `setsid` daemon included); the app is a child subreaper (Linux), so such orphans
come back to it rather than to init, and `kill_tagged` finds them all through /proc.
"""

from __future__ import annotations

import os
import signal
import sys
import time

TAG_VARIABLE = "MOSAIC_TUI_WORKER_TAG"
PR_SET_CHILD_SUBREAPER = 36
_subreaper = False


def become_subreaper() -> None:
    """Linux: descendants orphaned by a worker (a daemon that forked and called setsid, say)
    are re-parented to this process instead of init, so they stay ours to kill and reap."""
    global _subreaper
    if _subreaper or not sys.platform.startswith("linux"):
        return
    _subreaper = True
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def kill_tagged(tag: str) -> list[int]:
    """SIGKILL every process whose environment carries this worker's tag (the worker and all
    its descendants, in its process group or not); reap those that are our children. Linux
    only (it reads /proc); elsewhere the process-group kill is all there is."""
    marker = f"{TAG_VARIABLE}={tag}".encode() + b"\0"
    killed = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return killed
    me = os.getpid()
    for entry in entries:
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if marker not in f.read() + b"\0":
                    continue
            os.kill(int(entry), signal.SIGKILL)
            killed.append(int(entry))
        except (OSError, ValueError):  # gone meanwhile, or not ours to read
            continue
    deadline = time.monotonic() + 2.0
    for pid in killed:  # orphans re-parented to us would stay zombies without this
        while time.monotonic() < deadline:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not our child (or asyncio reaped it)
                break
            if done:
                break
            time.sleep(0.01)
    return killed
