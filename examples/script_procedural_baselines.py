"""Three scripted baselines on a new DoorKey layout each episode (the reference's script format).

`environment_mode = "procedural"`: episode i is played on seeds[i], so every operator meets the
same five layouts in the same order, and runs repeat exactly.

    mosaic-tui run examples/script_procedural_baselines.py
"""

operators = [
    {
        "id": "doorkey-random",
        "name": "Random on DoorKey 5x5",
        "env_name": "minigrid",
        "task": "MiniGrid-DoorKey-5x5-v0",
        "max_steps": 60,
        "workers": {"agent": {"type": "baseline", "behavior": "random", "seed": 1}},
    },
    {
        "id": "doorkey-noop",
        "name": "No-op on DoorKey 5x5",
        "env_name": "minigrid",
        "task": "MiniGrid-DoorKey-5x5-v0",
        "max_steps": 60,
        "workers": {"agent": {"type": "baseline", "behavior": "noop"}},
    },
    {
        "id": "doorkey-cycling",
        "name": "Cycling on DoorKey 5x5",
        "env_name": "minigrid",
        "task": "MiniGrid-DoorKey-5x5-v0",
        "max_steps": 60,
        "workers": {"agent": {"type": "baseline", "behavior": "cycling"}},
    },
]

execution = {
    "auto_run": True,
    "num_episodes": 5,
    "seeds": list(range(2000, 2005)),
    "environment_mode": "procedural",
}
