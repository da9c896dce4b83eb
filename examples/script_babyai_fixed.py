"""One BabyAI mission, the same layout every episode: only the decision-makers vary.

    mosaic-tui run examples/script_babyai_fixed.py
"""

operators = [
    {
        "id": "goto-random",
        "name": "Random walker",
        "env_name": "babyai",
        "task": "BabyAI-GoToRedBall-v0",
        "max_steps": 64,
        "workers": {"agent": {"type": "random", "seed": 3}},
    },
    {
        "id": "goto-passive",
        "name": "Stands still",
        "env_name": "babyai",
        "task": "BabyAI-GoToRedBall-v0",
        "max_steps": 64,
        "workers": {"agent": {"type": "passive"}},
    },
]

execution = {
    "auto_run": False,
    "num_episodes": 3,
    "seeds": range(500, 503),
    "environment_mode": "fixed",
}
