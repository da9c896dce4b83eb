"""A worker that dies between steps (its operator paused, or its human thinking) is found
out at once, not at the operator's next step; and the failure is reported once."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from mosaic_tui.core import OperatorConfig
from mosaic_tui.runtime import OperatorFailed, OperatorRunner
from mosaic_tui.runtime.process import WorkerError


def lake() -> OperatorConfig:
    return OperatorConfig.single_agent(
        "lake", "lake", "baseline_worker", "baseline", env_name="toytext",
        task="FrozenLake-v1", max_steps=20, settings={"behavior": "random"},
    )  # fmt: skip


@pytest.mark.subprocess
async def test_a_worker_that_dies_between_steps_is_reported_at_once(tmp_path: Path) -> None:
    runner = OperatorRunner(lake(), log_dir=tmp_path)
    failed: list[OperatorFailed] = []
    runner.listeners.append(lambda e: failed.append(e) if isinstance(e, OperatorFailed) else None)
    await runner.start()
    try:
        await runner.reset(1)
        await runner.step()
        assert runner.env_process.pid is not None
        os.kill(runner.env_process.pid, signal.SIGKILL)  # paused: nobody asks it anything
        for _ in range(200):
            if failed:
                break
            await asyncio.sleep(0.02)
        assert runner.state.value == "error"
        assert len(failed) == 1 and "env_worker" in failed[0].message
        assert "SIGKILL" in failed[0].message  # how it ended, not just that it did
        assert "exited between requests" in failed[0].message  # not a request's name
        with pytest.raises(WorkerError):
            await runner.step()  # a step now fails too, but is not reported again
        assert len(failed) == 1
    finally:
        await runner.stop()


async def test_stopping_a_runner_reports_no_failure(tmp_path: Path) -> None:
    runner = OperatorRunner(lake(), log_dir=tmp_path)
    failed: list[OperatorFailed] = []
    runner.listeners.append(lambda e: failed.append(e) if isinstance(e, OperatorFailed) else None)
    await runner.start()
    await runner.reset(1)
    await runner.stop()  # its workers' output ends: that is no failure
    await asyncio.sleep(0.2)
    assert failed == [] and runner.state.value == "stopped"


@pytest.mark.subprocess
async def test_a_worker_that_dies_while_a_human_thinks_is_reported_at_once(
    tmp_path: Path,
) -> None:
    """The play loop's step waits for the human's key holding the runner: the dead env
    used to be found out only when the key came. Now at once, and the operator stops."""
    from runtime_helpers import human

    from mosaic_tui.runtime import Session

    session = Session(log_dir=tmp_path, seed=1)
    failed: list[OperatorFailed] = []
    session.listeners.append(lambda e: failed.append(e) if isinstance(e, OperatorFailed) else None)
    try:
        runner = await session.add(human("me"))
        session.run()
        for _ in range(200):  # the loop's step is waiting for the key
            if runner._lock.locked() and runner.human_to_move:
                break
            await asyncio.sleep(0.02)
        assert runner.env_process.pid is not None
        os.kill(runner.env_process.pid, signal.SIGKILL)
        for _ in range(200):
            if failed:
                break
            await asyncio.sleep(0.02)
        assert len(failed) == 1 and "exited between requests" in failed[0].message
        assert "SIGKILL" in failed[0].message
        for _ in range(200):  # stopped: the question to the human withdrawn, the loop out
            if runner.stopping and not session.seats["me"].loop.looping:
                break
            await asyncio.sleep(0.02)
        assert session.operators["me"].state == "error"
        assert not session.seats["me"].loop.looping
    finally:
        await session.stop_all()
