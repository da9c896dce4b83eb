"""Baseline decision worker: random / noop / cycling players; run as `python -m baseline_worker`."""
