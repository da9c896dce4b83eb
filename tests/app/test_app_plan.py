"""The app plays a file's episodes on the file's seeds, then pauses: space plays on."""

from __future__ import annotations

from pathlib import Path

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.widgets.operator_list import OperatorList
from mosaic_tui.core import OperatorConfig
from mosaic_tui.runtime import EpisodeStarted


def grid(op: str) -> OperatorConfig:
    """Ten-step episodes (MiniGrid draws its frames with numpy: no pygame in the way)."""
    return OperatorConfig.single_agent(
        op, op, "baseline_worker", "baseline", env_name="minigrid",
        task="MiniGrid-Empty-8x8-v0", max_steps=10, settings={"behavior": "random"},
    )  # fmt: skip


async def test_the_files_seeds_are_played_in_order_then_the_session_pauses(
    tmp_path: Path, wait_until
) -> None:
    app = MosaicApp(
        [grid("a"), grid("b")], log_dir=tmp_path, pace=None, autorun=True, seeds=[7, 3, 11]
    )
    seeds: dict[str, list[int | None]] = {"a": [], "b": []}
    app.session.listeners.append(
        lambda e: seeds[e.operator_id].append(e.seed) if isinstance(e, EpisodeStarted) else None
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot,
            lambda: not app.session.running and all(len(s) >= 3 for s in seeds.values()),
            timeout=30,
        )
        await pilot.pause(0.3)
        assert seeds == {"a": [7, 3, 11], "b": [7, 3, 11]}  # the file's, not 7, 8, 9
        assert all(r.episode_over for r in app.session.runners.values())
        assert any("3 episodes" in n.message for n in app._notifications)
        assert "paused" in str(app.query_one("#session-info").render())  # the sidebar says so
        rows = app.query_one(OperatorList)
        await wait_until(pilot, lambda: rows.state_of("a") == rows.state_of("b") == "done")
        await pilot.press("space")  # plays on, past the plan: seeds go on from the last
        await wait_until(pilot, lambda: len(seeds["a"]) >= 5, timeout=30)
        assert seeds["a"][3:5] == [12, 13]
        assert app.session.running  # past the plan, nothing pauses it again
        await wait_until(pilot, lambda: rows.state_of("a") == "running")
        await pilot.press("q")


async def test_the_plans_end_counts_only_the_operators_that_played_it(
    tmp_path: Path, wait_until
) -> None:
    """One operator failed: the notice does not claim every operator played the episodes,
    and it is titled for the session, not for the operator that happened to finish last."""
    broken = OperatorConfig.single_agent(
        "broken", "broken", "baseline_worker", "baseline", env_name="minigrid",
        task="MiniGrid-NoSuchTask-v0", settings={"behavior": "random"},
    )  # fmt: skip
    app = MosaicApp(
        [grid("a"), broken, grid("b")], log_dir=tmp_path, pace=None, autorun=True, seeds=[7, 3]
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot,
            lambda: any("episodes" in n.message for n in app._notifications),
            timeout=30,
        )
        (notice,) = [n for n in app._notifications if "episodes" in n.message]
        # never "every operator"; and one still starting is waited for, so always 2
        assert notice.message.startswith("2 of 3 operators (1 stopped by an error) played")
        assert notice.title == "all operators"
        await pilot.press("q")
