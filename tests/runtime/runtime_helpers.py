"""Shared by the runtime tests: configs, running a runner to completion, waiting on a condition."""

from __future__ import annotations

from collections.abc import Callable

from waiting import until

from mosaic_tui.core import OperatorConfig
from mosaic_tui.runtime import OperatorRunner, RunnerEvent


def human(op_id: str = "me", max_steps: int = 50) -> OperatorConfig:
    """A human on MiniGrid's empty room."""
    return OperatorConfig.single_agent(
        op_id,
        op_id,
        "human",
        "human",
        env_name="minigrid",
        task="MiniGrid-Empty-8x8-v0",
        settings={},
        max_steps=max_steps,
    )


async def collect(runner: OperatorRunner, seeds: list[int], **kw) -> list[RunnerEvent]:
    """Start the runner, run these episodes, stop it; every event it emitted."""
    events: list[RunnerEvent] = []
    runner.listeners.append(events.append)
    await runner.start()
    try:
        await runner.run_episodes(seeds, **kw)
    finally:
        await runner.stop()
    return events


async def settle(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    await until(condition, timeout)


def gone(pid: int) -> bool:
    """The process has exited (a zombie counts: its parent has yet to reap it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
