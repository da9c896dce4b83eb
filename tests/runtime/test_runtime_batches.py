"""Headless batches: seeds travel as a schedule, a hung streaming worker is caught as fast as
a hung stepped one."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from mosaic_tui.core import OperatorConfig
from mosaic_tui.experiments import SeedSchedule
from mosaic_tui.protocol import Run, decode_command, encode
from mosaic_tui.runtime import EpisodeEnded, OperatorRunner, Timeouts, WorkerTimeout
from mosaic_tui.runtime.batches import SEED_CHUNK, run_commands


def frozen_lake(op_id: str = "fl") -> OperatorConfig:
    return OperatorConfig.single_agent(
        op_id, op_id, "baseline_worker", "baseline", env_name="toytext", task="FrozenLake-v1",
        settings={"behavior": "random"},
    )


def test_a_long_consecutive_schedule_is_one_short_run_command() -> None:
    """Ten million seeds used to be one 80 MB line (over the reader's 32 MiB limit)."""
    commands = list(run_commands(SeedSchedule(5, 10_000_000), max_steps=9))
    assert len(commands) == 1
    line = encode(commands[0])
    assert len(line) < 200
    back = decode_command(line)
    assert isinstance(back, Run)
    assert (back.episodes, back.seed, back.seeds, back.max_steps) == (10_000_000, 5, None, 9)


def test_listed_seeds_go_in_bounded_chunks_in_order() -> None:
    seeds = [(i * 7919) % 10_007 for i in range(2 * SEED_CHUNK + 5)]
    commands = list(run_commands(seeds, max_steps=None))
    assert [c.episodes for c in commands] == [SEED_CHUNK, SEED_CHUNK, 5]
    assert [s for c in commands for s in c.seeds or []] == seeds
    assert all(c.seed is None for c in commands)


def test_the_old_seeds_list_field_still_decodes() -> None:
    old = decode_command(b'{"cmd":"run","episodes":2,"seeds":[4,1],"req":1}\n')
    assert isinstance(old, Run) and old.seeds == [4, 1] and old.seed is None


async def test_streamed_episodes_follow_the_schedule_and_keep_nothing(tmp_path: Path) -> None:
    runner = OperatorRunner(frozen_lake(), log_dir=tmp_path)
    seen: list[int | None] = []
    runner.listeners.append(lambda e: seen.append(e.seed) if isinstance(e, EpisodeEnded) else None)
    await runner.start()
    try:
        listeners = len(runner.listeners)
        kept = await runner.run_episodes(SeedSchedule(40, 6), collect=False)
        assert kept == [] and len(runner.listeners) == listeners
    finally:
        await runner.stop()
    assert seen == [40, 41, 42, 43, 44, 45]


@pytest.mark.subprocess
async def test_a_hung_streaming_worker_is_caught_by_the_step_timeout(tmp_path: Path) -> None:
    """The stream used to wait the 60 s reset timeout per event; stepped play waits 10 s."""
    runner = OperatorRunner(
        frozen_lake(), log_dir=tmp_path, timeouts=Timeouts(reset=30.0, step=1.0)
    )
    frozen: list[float] = []

    def freeze(event: object) -> None:
        if isinstance(event, EpisodeEnded) and not frozen:
            pid = runner.env_process.pid
            assert pid is not None
            os.kill(pid, signal.SIGSTOP)  # alive, silent: hung
            frozen.append(time.monotonic())

    runner.listeners.append(freeze)
    await runner.start()
    try:
        with pytest.raises(WorkerTimeout, match="within 1 s"):
            await asyncio.wait_for(runner.run_episodes(SeedSchedule(0, 100_000)), 60)
        assert frozen and time.monotonic() - frozen[0] < 10  # 1 s limit, loaded machine
    finally:
        pid = runner.env_process.pid
        if pid is not None:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        await runner.stop()
