"""Every kind of decision-maker in one app session, as examples/hybrid.toml has them: you
against the shipped tic-tac-toe PPO policy, an LLM against a baseline, and the MiniGrid PPO
policy beside an LLM on the same task (the mock endpoint in a thread stands in for a model)."""

from __future__ import annotations

import re
from pathlib import Path

from llm_worker.mock_server import start
from test_app_pilot import started
from textual.widgets import Static

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.widgets.frame_pane import FramePane
from mosaic_tui.core import OperatorConfig, WorkerAssignment

POLICIES = Path(__file__).resolve().parents[2] / "examples" / "policies"


def operators(url: str) -> list[OperatorConfig]:
    llm = {"model": "mock", "base_url": url, "answer_format": "schema"}
    rl = {"policy_path": str(POLICIES / "tictactoe_ppo.npz")}
    grid = {"policy_path": str(POLICIES / "minigrid_empty8x8_ppo.npz")}
    return [
        OperatorConfig.multi_agent("you_vs_ppo", "You vs PPO", "pettingzoo_classic",
                                   "tictactoe_v3", {
                                       "player_1": WorkerAssignment("human", "human"),
                                       "player_2": WorkerAssignment("rl_worker", "rl", rl)}),
        OperatorConfig.multi_agent("llm_vs_random", "LLM vs random", "pettingzoo_classic",
                                   "tictactoe_v3", {
                                       "player_1": WorkerAssignment("llm_worker", "llm", llm),
                                       "player_2": WorkerAssignment("baseline_worker",
                                                                    "baseline")}),
        OperatorConfig.single_agent("grid_ppo", "MiniGrid PPO", "rl_worker", "rl", "minigrid",
                                    "MiniGrid-Empty-8x8-v0", grid, max_steps=60),
        OperatorConfig.single_agent("grid_llm", "MiniGrid LLM", "llm_worker", "llm", "minigrid",
                                    "MiniGrid-Empty-8x8-v0", llm, max_steps=60),
    ]  # fmt: skip


async def test_human_rl_llm_and_baseline_play_side_by_side(tmp_path: Path, wait_until) -> None:
    server, url = start("first")
    app = MosaicApp(operators(url), log_dir=tmp_path, autorun=True)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: started(app, 4), timeout=60)
            runners = app.session.runners
            app.query_one("#pane-you_vs_ppo", FramePane).focus()
            await pilot.press("5")  # X in the centre; the policy answers
            await wait_until(pilot, lambda: runners["you_vs_ppo"].step_index == 2, timeout=30)
            board = "\n".join(runners["you_vs_ppo"].board or [])
            assert board.count("X") == 1 and board.count("O") == 1
            # the MiniGrid policy walks to the goal: an episode ends with the best return
            grid = runners["grid_ppo"]
            await wait_until(pilot, lambda: grid.last_end is not None, timeout=60)
            assert grid.last_end.total_reward > 0.9  # type: ignore[union-attr]
            await wait_until(pilot, lambda: runners["grid_llm"].step_index >= 3, timeout=30)
            await wait_until(pilot, lambda: runners["llm_vs_random"].step_index >= 2, timeout=30)
            assert all(r.state.value != "error" for r in runners.values())
            # the LLM panes count their answers: every one legal (schema), none for the others
            status = app.query_one("#pane-grid_llm #status", Static)
            await wait_until(pilot, lambda: re.search(r"LLM (\d+)/(\d+) ok", str(status.content)))
            shown = re.search(r"LLM (\d+)/(\d+) ok", str(status.content))
            assert shown and shown[1] == shown[2]  # legal / all, as drawn
            decided = runners["grid_llm"].decision_stats["agent"]
            assert decided.decisions >= 3 and decided.invalid == 0
            assert not runners["grid_ppo"].decision_stats  # an RL player's are not answers
            assert "LLM" not in str(app.query_one("#pane-grid_ppo #status", Static).content)
            await pilot.press("q")
    finally:
        server.shutdown()
