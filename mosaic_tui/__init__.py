"""mosaic-tui: run RL environments with interchangeable decision-makers from the terminal."""

__version__ = "0.1.0"
