"""Environment worker: owns one environment; run as `python -m env_worker`."""
