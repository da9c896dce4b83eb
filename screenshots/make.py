"""Regenerate the SVG screenshots in this folder: `python screenshots/make.py [NAME ...]`
(every scene, or only the named ones, e.g. `small-60x20 form-80x24`).

Each scene runs the real app (real workers) headless at a fixed size and saves what is on
screen with `App.save_screenshot`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from mosaic_tui.app.app import MosaicApp  # noqa: E402
from mosaic_tui.app.demo import demo_operators  # noqa: E402
from mosaic_tui.app.widgets.frame_pane import FramePane  # noqa: E402
from mosaic_tui.core import OperatorConfig  # noqa: E402


async def settle(pilot, condition: Callable[[], bool], timeout: float = 30) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition() and loop.time() < end:
        await pilot.pause(0.05)


def frames_everywhere(app: MosaicApp, n: int = 2) -> Callable[[], bool]:
    return lambda: (
        bool(app.query(FramePane))
        and all(p.view.frames_shown >= n or p.has_class("-error") for p in app.query(FramePane))
    )


def human_lake() -> OperatorConfig:
    return OperatorConfig.single_agent(
        "op_2",
        "Me on FrozenLake 8x8",
        "human",
        "human",
        env_name="toytext",
        task="FrozenLake-v1",
        settings={},
        env_settings={"map_name": "8x8", "is_slippery": False},
        max_steps=60,
    )


ONLY = set(sys.argv[1:])  # scene names to make; empty: all


async def shoot(
    name: str, app: MosaicApp, size: tuple[int, int], act: Callable[[object], Awaitable[None]]
) -> None:
    if ONLY and name not in ONLY:
        return
    async with app.run_test(size=size) as pilot:
        await act(pilot)
        await pilot.pause(0.3)
        app.save_screenshot(str(HERE / f"{name}.svg"))
        print(f"screenshots/{name}.svg")
        await app.session.stop_all()


async def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="mosaic-shots-"))
    os.environ.setdefault("MOSAIC_TUI_DATA_DIR", str(tmp / "data"))

    async def running(pilot) -> None:
        await settle(pilot, frames_everywhere(pilot.app, 12))

    app = MosaicApp(demo_operators(), log_dir=tmp, seed=3)
    await shoot("main-120x40", app, (120, 40), running)
    app = MosaicApp(demo_operators(), log_dir=tmp, seed=3)
    await shoot("main-80x24", app, (80, 24), running)
    # small terminals: the list hides itself, one status line, the footer keeps Quit
    configs = [*demo_operators(), human_lake()]
    app = MosaicApp(configs, log_dir=tmp, seed=3, pace=4)
    await shoot("small-80x24", app, (80, 24), running)
    app = MosaicApp(demo_operators(), log_dir=tmp, seed=3)
    await shoot("small-60x20", app, (60, 20), running)

    async def small_form(pilot) -> None:
        await settle(pilot, frames_everywhere(pilot.app))
        await pilot.press("a")
        await pilot.pause(0.8)

    app = MosaicApp(demo_operators(), log_dir=tmp, seed=3, autorun=False)
    await shoot("form-80x24", app, (80, 24), small_form)

    async def play(pilot) -> None:
        app = pilot.app
        await settle(pilot, frames_everywhere(app))
        app.query_one("#pane-op_2", FramePane).focus()
        for key in ("down", "down", "right", "right"):
            await pilot.press(key)
            await pilot.pause(0.2)

    configs = [*demo_operators(), human_lake()]
    await shoot("human-play", MosaicApp(configs, log_dir=tmp, seed=3, pace=4), (120, 40), play)

    async def configure(pilot) -> None:
        await settle(pilot, frames_everywhere(pilot.app))
        await pilot.press("a")
        await pilot.pause(0.5)

    app = MosaicApp(demo_operators(), log_dir=tmp, seed=3, autorun=False)
    await shoot("configure", app, (120, 40), configure)

    async def crash(pilot) -> None:
        app = pilot.app
        await settle(pilot, frames_everywhere(app))
        os.kill(app.session.runners["op_1"].env_process.pid, signal.SIGKILL)
        await settle(pilot, lambda: app.session.operators["op_1"].error is not None)

    app = MosaicApp(demo_operators(), log_dir=tmp, seed=3)
    await shoot("worker-crash", app, (120, 40), crash)

    async def chess_moves(pilot) -> None:
        from textual.widgets import Input

        app = pilot.app
        await settle(
            pilot,
            lambda: (
                "chess" in app.session.runners and app.session.runners["chess"].moves is not None
            ),
        )
        pane = app.query_one("#pane-chess", FramePane)
        box = pane.query_one("#move", Input)
        await settle(pilot, lambda: box.display)
        runner = app.session.runners["chess"]
        for move in ("e4", "Nf3", "Bc4"):
            box.focus()
            before = runner.step_index
            await pilot.press(*move, "enter")
            await settle(pilot, lambda before=before: runner.step_index >= before + 2)
        box.focus()
        await pilot.press(*"O-")  # mid-typing: the completion shows

    from mosaic_tui.core import WorkerAssignment

    chess = OperatorConfig.multi_agent(
        "chess",
        "You vs random",
        "pettingzoo_classic",
        "chess_v6",
        {
            "player_0": WorkerAssignment("human", "human"),
            "player_1": WorkerAssignment("baseline_worker", "baseline", {"behavior": "random"}),
        },
    )
    four = OperatorConfig.multi_agent(
        "c4",
        "Connect four",
        "pettingzoo_classic",
        "connect_four_v3",
        {
            p: WorkerAssignment("baseline_worker", "baseline", {"behavior": b})
            for p, b in (("player_0", "cycling"), ("player_1", "random"))
        },
    )
    app = MosaicApp([chess, four], log_dir=tmp, seed=3, pace=2)
    await shoot("chess", app, (120, 40), chess_moves)

    await multigrid_match(tmp)
    await episode_end(tmp)

    async def nothing(pilot) -> None:
        await pilot.pause(0.2)

    await shoot("too-small", MosaicApp([], log_dir=tmp), (56, 14), nothing)
    await results(tmp)


async def results(tmp: Path) -> None:
    """The results screen on a recorded session: two FrozenLake players on the same seeds."""
    scenes = {"results-120x40", "results-plots-120x40", "replay-120x40", "frozenlake-q_table.gif"}
    if ONLY and not ONLY & scenes:
        return
    from mosaic_tui.experiments import parse, run_experiment
    from mosaic_tui.telemetry import TelemetryStore

    db = tmp / "results.sqlite"
    policy = str(HERE.parent / "examples/policies/frozenlake_qtable.npz")
    lake = {"env_name": "toytext", "task": "FrozenLake-v1"}
    spec = parse({"name": "policy vs random", "execution": {"episodes": 30, "seed": 0},
                  "operators": [
                      {"id": "q_table", **lake,
                       "workers": {"agent": {"type": "rl", "policy_path": policy}}},
                      {"id": "random", **lake,
                       "workers": {"agent": {"type": "baseline"}}}]})  # fmt: skip
    with TelemetryStore.open(db) as store:
        result = await run_experiment(spec, store, log_dir=tmp)
    if not ONLY or "frozenlake-q_table.gif" in ONLY:  # the GIF, by the command users run
        import subprocess

        gif = HERE / "frozenlake-q_table.gif"
        subprocess.run([sys.executable, "-m", "mosaic_tui.cli", "gif", result.session_id,
                        "q_table", "0", "-o", str(gif), "--fps", "4", "--db", str(db)],
                       check=True)  # fmt: skip
        print(f"screenshots/{gif.name}")

    async def report(pilot) -> None:
        await pilot.press("v")
        await settle(pilot, lambda: getattr(pilot.app.screen, "report", None) is not None)

    async def plots(pilot) -> None:
        await report(pilot)
        await pilot.press("tab", "end")

    async def replay(pilot) -> None:
        await report(pilot)
        await pilot.press("p")
        await settle(pilot, lambda: getattr(pilot.app.screen, "frames", None) and not getattr(
            pilot.app.screen, "loading", True))  # fmt: skip
        await pilot.pause(1.0)  # a few steps in
        await pilot.press("space")

    await shoot("results-120x40", MosaicApp([], log_dir=tmp, results_db=db), (120, 40), report)
    await shoot("replay-120x40", MosaicApp([], log_dir=tmp, results_db=db), (120, 40), replay)
    await shoot("results-plots-120x40", MosaicApp([], log_dir=tmp, results_db=db), (120, 40),
                plots)  # fmt: skip


async def episode_end(tmp: Path) -> None:
    """You win at tic-tac-toe (the middle column) beside a MiniGrid you just solved: both
    outcomes stay on screen until a key is pressed."""
    from mosaic_tui.core import WorkerAssignment

    ttt = OperatorConfig.multi_agent(
        "ttt",
        "You vs noop",
        "pettingzoo_classic",
        "tictactoe_v3",
        {
            "player_1": WorkerAssignment("human", "human"),
            "player_2": WorkerAssignment("baseline_worker", "baseline", {"behavior": "noop"}),
        },
    )
    grid = OperatorConfig.single_agent(
        "grid",
        "You on MiniGrid",
        "human",
        "human",
        env_name="minigrid",
        task="MiniGrid-Empty-6x6-v0",
        settings={},
        max_steps=60,
    )

    async def win(pilot) -> None:
        app = pilot.app
        await settle(pilot, frames_everywhere(app))
        for op, keys in (("ttt", "258"), ("grid", ("up", "up", "up", "right", "up", "up", "up"))):
            runner = app.session.runners[op]
            app.query_one(f"#pane-{op}", FramePane).focus()
            for key in keys:
                before = runner.step_index
                await pilot.press(key)
                await settle(
                    pilot,
                    lambda before=before, r=runner: (
                        r.step_index > before and (r.human_to_move or r.episode_over)
                    ),
                )
        await settle(pilot, lambda: all(p.over for p in app.query(FramePane)))

    await shoot("episode-end", MosaicApp([ttt, grid], log_dir=tmp, seed=3), (120, 40), win)


async def multigrid_match(tmp: Path) -> None:
    """A hybrid soccer team (you are agent_0, green; an LLM is your teammate, answered by the
    bundled mock endpoint) beside a basketball match of baselines."""
    import importlib.util

    if importlib.util.find_spec("mosaic_multigrid") is None:
        print("skipped screenshots/multigrid.svg: pip install -e '.[multigrid]'")
        return
    from llm_worker.mock_server import start

    from mosaic_tui.core import WorkerAssignment

    server, url = start("random", seed=3)
    llm = {"model": "mock", "base_url": url}

    def team(task: str, op: str, name: str, human: bool) -> OperatorConfig:
        random = WorkerAssignment("baseline_worker", "baseline", {"behavior": "random"})
        players = {f"agent_{i}": random for i in range(4)}
        if human:
            players["agent_0"] = WorkerAssignment("human", "human")
            players["agent_1"] = WorkerAssignment("llm_worker", "llm", llm)
        return OperatorConfig.multi_agent(
            op, name, "multigrid", task, players, execution_mode="parallel", view_size=5
        )

    soccer = team("MosaicMultiGrid-S-2v2-IndAgObs-v1", "soccer", "You + LLM vs random", True)
    hoops = team("MosaicMultiGrid-BB-2v2-IndAgObs-v1", "hoops", "Basketball 2v2", False)

    async def play(pilot) -> None:
        app = pilot.app
        await settle(pilot, frames_everywhere(app), timeout=90)
        runner = app.session.runners["soccer"]
        app.query_one("#pane-soccer", FramePane).focus()
        for key in ("up", "up", "left", "up"):
            before = runner.step_index
            await pilot.press(key)
            await settle(pilot, lambda before=before: runner.step_index > before)
        await pilot.pause(1.0)

    await shoot(
        "multigrid", MosaicApp([soccer, hoops], log_dir=tmp, seed=3, pace=4), (120, 40), play
    )


if __name__ == "__main__":
    asyncio.run(main())
