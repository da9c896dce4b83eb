"""A random player against a passive one at tic-tac-toe, on one seed (the reference's format).

`environment_mode = "fixed"`: every episode starts from seeds[0]; the random player's own seed
makes its moves repeat run after run. `passive` plays the game's no-op, which tic-tac-toe does
not have: it plays the first legal cell instead, and says so in its log.

    mosaic-tui run examples/script_tictactoe.py
    mosaic-tui app examples/script_tictactoe.py
"""

operators = [
    {
        "id": "ttt",
        "name": "Random (X) vs passive (O)",
        "env_name": "pettingzoo_classic",
        "task": "tictactoe_v3",
        "workers": {
            "player_1": {"type": "random", "seed": 7},
            "player_2": {"type": "passive"},
        },
    },
]

execution = {
    "num_episodes": 4,
    "seeds": [11],
    "environment_mode": "fixed",
}
