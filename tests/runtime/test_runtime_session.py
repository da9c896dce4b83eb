"""The session: operators with one shared seed, stepped together, run at a pace."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from runtime_helpers import human

from mosaic_tui.core import OperatorConfig
from mosaic_tui.runtime import Session, StepTaken


def baseline(op_id: str, task: str = "MiniGrid-Empty-8x8-v0", **kw) -> OperatorConfig:
    return OperatorConfig.single_agent(
        op_id,
        op_id,
        "baseline_worker",
        "baseline",
        env_name="minigrid",
        task=task,
        settings={"behavior": "random"},
        max_steps=5,
        **kw,
    )


async def test_shared_seed_step_all_and_reset_all(tmp_path: Path) -> None:
    session = Session(log_dir=tmp_path, seed=11)
    try:
        a = await session.add(baseline("a"))
        b = await session.add(baseline("b", "MiniGrid-DoorKey-5x5-v0"))
        assert (a.seed, b.seed) == (11, 11)
        for _ in range(5):
            await session.step_all()
        assert (a.step_index, b.step_index) == (5, 5) and a.episode_over and b.episode_over
        await session.step_all()  # an ended episode rolls into the next seed
        assert (a.seed, b.seed) == (12, 12) and (a.step_index, b.step_index) == (0, 0)
        await session.reset_all(40)
        assert (a.seed, b.seed) == (40, 40) and session.seed == 40
    finally:
        await session.stop_all()


async def test_an_operators_own_seed_wins(tmp_path: Path) -> None:
    session = Session(log_dir=tmp_path, seed=3)
    try:
        own = await session.add(baseline("own", seed=100))
        shared = await session.add(baseline("shared"))
        assert (own.seed, shared.seed) == (100, 3)
    finally:
        await session.stop_all()


async def test_running_before_an_operator_finished_starting_resets_it_once(tmp_path: Path) -> None:
    session = Session(log_dir=tmp_path, seed=1, pace=50)
    try:
        adding = asyncio.create_task(session.add(baseline("late")))
        await asyncio.sleep(0)  # the runner exists, its workers are still starting
        session.run()
        runner = await adding
        assert runner.episodes_begun == 1 and runner.seed == 1
        while runner.step_index < 3:
            await asyncio.sleep(0.02)
        assert runner.episodes_begun == 1
    finally:
        await session.stop_all()


async def test_step_all_waits_for_the_human_then_steps_everyone(tmp_path: Path) -> None:
    session = Session(log_dir=tmp_path, seed=2)
    try:
        ai = await session.add(baseline("ai"))
        me = await session.add(human("me", max_steps=5))
        stepping = asyncio.create_task(session.step_all())
        while not session.keyboards["me"].waiting:
            await asyncio.sleep(0.01)
        assert ai.step_index == 0  # nobody moved before the human's key
        assert await session.press("me", me.labels.index("forward")) is None
        await stepping
        assert (ai.step_index, me.step_index) == (1, 1)
        # no step-all pending and not running: a key steps that operator at once
        assert await session.press("me", 0) is None
        assert (ai.step_index, me.step_index) == (1, 2)
    finally:
        await session.stop_all()


async def test_run_pause_and_pace(tmp_path: Path) -> None:
    session = Session(log_dir=tmp_path, seed=0, pace=20)
    steps: list[StepTaken] = []
    session.listeners.append(lambda e: steps.append(e) if isinstance(e, StepTaken) else None)
    try:
        await session.add(baseline("a"))
        session.run()
        await asyncio.sleep(1.0)
        session.pause()
        ran = len(steps)
        assert 5 <= ran <= 30, ran  # about 20 steps/s (a loaded CI box may lag, never burst)
        await asyncio.sleep(0.3)
        assert len(steps) - ran <= 1  # at most the step in flight
    finally:
        await session.stop_all()


async def test_remove_stops_workers_and_frees_the_id(tmp_path: Path) -> None:
    session = Session(log_dir=tmp_path)
    try:
        runner = await session.add(baseline("gone"))
        await session.remove("gone")
        assert not runner.env_process.alive
        assert "gone" not in session.runners
        again = await session.add(baseline("gone"))
        assert again.env_process.alive
    finally:
        await session.stop_all()


async def test_the_registry_keeps_an_operator_that_failed_until_it_is_removed(
    tmp_path: Path,
) -> None:
    """One entry per operator from add to remove: its config, its seat once built, and why
    it stopped; a failed one is skipped by step-all while the others go on."""
    import pytest

    from mosaic_tui.runtime import LaunchError, WorkerError

    session = Session(log_dir=tmp_path, seed=1)
    try:
        good = await session.add(baseline("good"))
        unbuildable = OperatorConfig.single_agent(
            "unbuilt", "unbuilt", "baseline_worker", "baseline", env_name="minigrid",
            task="MiniGrid-Empty-8x8-v0", settings={"behavior": "random", "bogus": 1},
        )  # fmt: skip
        with pytest.raises(LaunchError, match="no setting 'bogus'"):  # no runner is built
            await session.add(unbuildable)
        with pytest.raises(WorkerError):  # builds, but its env does not exist
            await session.add(baseline("unknown", task="MiniGrid-NoSuchTask-v0"))
        unbuilt, unknown = session.operators["unbuilt"], session.operators["unknown"]
        assert unbuilt.seat is None and "no setting 'bogus'" in (unbuilt.error or "")
        assert unknown.seat is not None and "NoSuchTask" in (unknown.error or "")
        assert (unbuilt.state, unknown.state, session.operators["good"].state) == (
            "error", "error", "paused"
        )
        assert set(session.runners) == {"good", "unknown"}  # built runners only

        with pytest.raises(LaunchError, match="already in the session"):
            await session.add(baseline("good"))
        session.fail("good", "could not record: disk full")
        assert session.operators["good"].state == "error"
        assert session.operators["good"].error == "could not record: disk full"
        await session.step_all()  # nobody healthy is left: nothing steps, nothing raises
        assert good.step_index == 0

        await session.remove("unbuilt")
        await session.remove("unknown")
        assert set(session.operators) == {"good"}
        again = await session.add(baseline("unknown"))  # the same id, fixed
        assert session.operators["unknown"].state == "paused" and again.episode == 0
    finally:
        await session.stop_all()


async def test_a_fixed_environment_begins_every_episode_on_the_shared_seed(tmp_path: Path) -> None:
    session = Session(log_dir=tmp_path, seed=11)
    session.fixed = True  # environment_mode = "fixed"
    try:
        a = await session.add(baseline("a"))
        for _ in range(5):
            await session.step_all()
        assert a.episode_over and a.seed == 11
        await session.step_all()  # the next episode: the same seed, not 12
        assert (a.seed, a.step_index, a.episode) == (11, 0, 1)
    finally:
        await session.stop_all()


@pytest.mark.subprocess
async def test_a_hung_worker_is_stopped_once_its_operator_failed(tmp_path: Path) -> None:
    """A worker that stops answering fails its operator after the timeout; it is killed
    then, not left (stopped, or spinning) until the app quits."""
    import os
    import signal

    from mosaic_tui.runtime import WorkerError
    from mosaic_tui.runtime.runner import Timeouts

    session = Session(log_dir=tmp_path, seed=1)
    try:
        runner = await session.add(baseline("hung"))
        runner.timeouts = Timeouts(step=0.5)
        pid = runner.env_process.pid
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)  # what a hang looks like from here
        with pytest.raises(WorkerError, match="may be hung"):
            await runner.step()
        assert session.operators["hung"].state == "error"
        for _ in range(200):
            if runner.env_process.returncode is not None:
                break
            await asyncio.sleep(0.05)
        assert runner.env_process.returncode is not None, "the hung worker was left running"
        assert "may be hung" in (session.operators["hung"].error or "")
    finally:
        await session.stop_all()


class GatedSpawn:
    """Workers start at once until `hold()`; then each waits for `release()`, or fails."""

    def __init__(self) -> None:
        from in_process import in_process_spawn

        self._spawn = in_process_spawn
        self._gate: asyncio.Event | None = None
        self.waiting = 0
        self.fail = False

    def hold(self) -> None:
        self._gate = asyncio.Event()

    def release(self, fail: bool = False) -> None:
        assert self._gate is not None
        self.fail = fail
        self._gate.set()

    async def __call__(self, argv: list[str], env: dict[str, str]):
        if self._gate is not None:
            self.waiting += 1
            await self._gate.wait()
            if self.fail:
                raise OSError("no such worker")
        return await self._spawn(argv, env)


async def wait_for(condition, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


@pytest.mark.parametrize("late_fails", [False, True])
async def test_the_plan_ends_only_when_an_operator_still_starting_played_it_too(
    tmp_path: Path, late_fails: bool
) -> None:
    """An operator that played the file's episodes while another was still starting
    pauses alone: the session pauses (with one notice) when the late one has played them
    too, or failed to start. It used to pause at once, leaving the late one at episode 1."""
    from mosaic_tui.runtime import Notice

    spawn = GatedSpawn()
    session = Session(log_dir=tmp_path, seed=1, pace=None, spawn=spawn)
    session.plan = [5, 6]
    notices: list[Notice] = []
    session.listeners.append(lambda e: notices.append(e) if isinstance(e, Notice) else None)
    try:
        early = await session.add(baseline("early"))
        spawn.hold()
        adding = asyncio.create_task(session.add(baseline("late")))
        await wait_for(lambda: spawn.waiting > 0)  # its workers are starting
        session.run()
        await wait_for(lambda: session.seats["early"].played_plan)
        await asyncio.sleep(0.1)
        assert session.running and not notices  # waits for the one still starting
        assert early.episodes_begun == 2
        assert session.seats["early"].at_plan_end  # done (its pane says so), not paused
        spawn.release(fail=late_fails)
        if late_fails:
            with pytest.raises(Exception, match="no such worker"):
                await adding
            await wait_for(lambda: not session.running)
            (notice,) = notices
            assert notice.message.startswith("1 of 2 operators (1 stopped by an error) played")
        else:
            late = await adding
            await wait_for(lambda: not session.running)
            assert late.episodes_begun == 2 and late.episode_over  # both episodes, not one
            (notice,) = notices
            assert notice.message.startswith("every operator played the file's 2 episodes")
        assert notice.session_wide
    finally:
        await session.stop_all()


async def test_past_the_plans_end_an_operator_failing_or_added_pauses_nothing(
    tmp_path: Path,
) -> None:
    """Space after the plan's end plays on: an operator added then that fails used to pause
    the whole session again, with the plan's notice, while the others kept running."""
    from mosaic_tui.runtime import Notice, WorkerError

    session = Session(log_dir=tmp_path, seed=1, pace=None)
    session.plan = [5]
    notices: list[Notice] = []
    session.listeners.append(lambda e: notices.append(e) if isinstance(e, Notice) else None)
    try:
        first = await session.add(baseline("first"))
        session.run()
        await wait_for(lambda: not session.running)  # the plan's end
        assert len(notices) == 1
        session.run()  # plays on
        await wait_for(lambda: first.episodes_begun >= 3)
        with pytest.raises(WorkerError):
            await session.add(baseline("broken", task="MiniGrid-NoSuchTask-v0"))
        late = await session.add(baseline("late"))  # added past the end: plays on too
        await wait_for(lambda: late.episodes_begun >= 3)
        assert session.running and len(notices) == 1
        assert not session.seats["late"].at_plan_end
    finally:
        await session.stop_all()
