"""Benchmarks: `python -m bench` from the repository root. Each prints a ratio to a baseline
measured in the same run, so the numbers hold on any machine."""
