"""The RL decision worker: one player's actions from a trained policy file."""
