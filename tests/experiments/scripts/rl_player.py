"""A trained PPO policy against a random baseline, as the reference writes an RL player."""

operators = [
    {
        "id": "baseline",
        "name": "Random",
        "env_name": "minigrid",
        "task": "MiniGrid-Empty-8x8-v0",
        "max_steps": 100,
        "workers": {"agent": {"type": "random", "seed": 1}},
    },
    {
        "id": "ppo",
        "name": "PPO policy",
        "env_name": "minigrid",
        "task": "MiniGrid-Empty-8x8-v0",
        "max_steps": 100,
        "workers": {
            "agent": {
                "type": "rl",
                "policy_path": "runs/ppo_empty8x8/model.zip",
                "algorithm": "ppo",
            }
        },
    },
]

execution = {"num_episodes": 10, "seeds": range(1000, 1010), "environment_mode": "procedural"}
