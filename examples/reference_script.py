"""An experiment in the reference platform's script format (MOSAIC's `operators` and
`execution`), as mosaic-tui reads it: parsed, never run, so only literals and range(...).

    mosaic-tui run examples/reference_script.py
    mosaic-tui app examples/reference_script.py   # auto_run False: starts paused
"""

operators = [
    {
        "id": "random",
        "name": "Random walker",
        "env_name": "minigrid",
        "task": "MiniGrid-Empty-8x8-v0",
        "max_steps": 100,
        "workers": {"agent": {"type": "random", "seed": 42}},
    },
    {
        "id": "passive",
        "name": "Stands still",
        "env_name": "minigrid",
        "task": "MiniGrid-Empty-8x8-v0",
        "max_steps": 100,
        "workers": {"agent": {"type": "passive"}},
    },
]

execution = {
    "auto_run": False,
    "num_episodes": 5,
    "seeds": range(1000, 1005),
    "environment_mode": "fixed",  # every episode on seed 1000: only the players vary
}
