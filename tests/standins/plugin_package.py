"""A tiny plugin package, written into a folder as pip would install it (the package and its
`.dist-info` with `entry_points.txt`), so importlib.metadata finds it on sys.path.

It declares: an env family `counter` (one task, `Counter-v0`), a decision worker
`counter_worker` that always plays the highest legal action, a broken worker entry point, and a
reference-style `mosaic.workers` entry point whose module must never be imported (loading the
reference's imports its GUI: here, importing it raises).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

DIST = "counter_plugin-0.1.dist-info"

FILES = {
    "counter_plugin/__init__.py": '''
        """Counter: the agent picks 0, 1 or 2; the episode ends after 5 steps; reward = action."""

        import numpy as np

        from mosaic_tui.envs import plugin_family


        def make(task, *, render_mode=None, execution_mode=None, **settings):
            import gymnasium as gym

            class Counter(gym.Env):
                metadata = {"render_modes": ["rgb_array"]}

                def __init__(self, render_mode=None, length=5):
                    self.render_mode = render_mode
                    self.length = length
                    self.action_space = gym.spaces.Discrete(3)
                    self.observation_space = gym.spaces.Discrete(length + 1)
                    self.t = 0

                def reset(self, *, seed=None, options=None):
                    super().reset(seed=seed)
                    self.t = 0
                    return 0, {}

                def step(self, action):
                    self.t += 1
                    return self.t, float(action), self.t >= self.length, False, {}

                def render(self):
                    frame = np.zeros((8, 8, 3), dtype=np.uint8)
                    frame[:, : self.t] = 255
                    return frame

            return Counter(render_mode=render_mode, **settings)


        FAMILY = plugin_family("counter", "Counter (plugin)", ["Counter-v0"], make)
    ''',
    "counter_plugin/plugin.py": """
        from mosaic_tui.runtime.launcher import WorkerDefinition

        WORKER = WorkerDefinition(
            "counter_worker",
            "Highest legal action",
            "Plays the highest legal action (a plugin's worker)",
            module="counter_plugin.worker",
            role="decision",
            worker_types=("baseline",),
        )
    """,
    "counter_plugin/worker.py": """
        import argparse

        from mosaic_tui.protocol import (
            ActionSelected, AgentReady, Error, Init, InitAgent, Ready, Reset, SelectAction,
            Stop, Stopped,
        )
        from mosaic_tui.protocol.stdio import WorkerChannel

        parser = argparse.ArgumentParser()
        parser.add_argument("--run-id", required=True)
        parser.add_argument("--player-id", default="agent")
        args = parser.parse_args()
        channel = WorkerChannel()
        channel.send(Init(worker="counter_worker", role="decision", run_id=args.run_id))
        n = 0
        while (cmd := channel.receive()) is not None:
            if isinstance(cmd, Stop):
                channel.send(Stopped(req=cmd.req))
                break
            if isinstance(cmd, InitAgent):
                n = int(cmd.action_space.get("n", len(cmd.labels)))
                reply = AgentReady(player_id=cmd.player_id, req=cmd.req)
            elif isinstance(cmd, Reset):
                reply = Ready(run_id=args.run_id, seed=cmd.seed, req=cmd.req)
            elif isinstance(cmd, SelectAction):
                legal = [a for a, ok in enumerate(cmd.action_mask or [1] * n) if ok]
                reply = ActionSelected(action=legal[-1], player_id=args.player_id, req=cmd.req)
            else:
                reply = Error(message="cannot answer that", code="bad_command", req=cmd.req)
            channel.send(reply)
    """,
    "reference_gui_worker/__init__.py": """
        raise ImportError("No module named 'gym_gui' (the reference GUI is not installed)")
    """,
    f"{DIST}/METADATA": """
        Metadata-Version: 2.1
        Name: counter-plugin
        Version: 0.1
    """,
    f"{DIST}/entry_points.txt": """
        [mosaic_tui.families]
        counter = counter_plugin:FAMILY

        [mosaic_tui.workers]
        counter_worker = counter_plugin.plugin:WORKER
        broken = counter_plugin.missing:WORKER

        [mosaic.workers]
        guiworker = reference_gui_worker:get_worker_metadata
    """,
}


def build(site: Path) -> Path:
    """Write the package into `site` (a folder to put on sys.path and PYTHONPATH)."""
    for name, text in FILES.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return site
