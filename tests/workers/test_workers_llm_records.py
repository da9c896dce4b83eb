"""What the LLM worker keeps about each decision, and the fallbacks that let a weak model be
evaluated over many episodes: played, and counted, never silent."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from llm_worker.mock_server import start

from mosaic_tui.core.decisions import DecisionStats
from mosaic_tui.experiments import parse, run_experiment
from mosaic_tui.telemetry import TelemetryStore

GRID = {
    "cmd": "init_agent",
    "player_id": "agent",
    "game": "MiniGrid-Empty-5x5-v0",
    "action_space": {"type": "discrete", "n": 7},
    "labels": ["left", "right", "forward", "pickup", "drop", "toggle", "done"],
    "noop_action": 6,
}


@pytest.fixture
def mock():
    servers = []

    def begin(reply: str) -> str:
        server, url = start(reply, seed=1)
        servers.append(server)
        return url

    yield begin
    for server in servers:
        server.shutdown()


def worker(spawn, url: str, *flags: str):
    client = spawn("llm_worker", "--model", "mock", "--base-url", url, "--timeout", "5", *flags)
    client.read_type("init")
    client.request({**GRID, "req": 1}, "agent_ready")
    return client


def test_an_answer_is_kept_with_its_prompt_hash_latency_and_replies(spawn, mock) -> None:
    client = worker(spawn, mock("first"))
    event = client.request({"cmd": "select_action", "step_index": 1, "req": 2}, "action_selected")
    record = event["record"]
    assert record["valid"] is True and record["replies"] == 1 and "fallback" not in record
    assert record["answer"] == event["action_str"] == "left"
    assert len(record["prompt_sha256"]) == 16 and record["prompt_chars"] > 50
    assert record["latency_ms"] >= 0 and record["tokens_in"] >= 0


@pytest.mark.parametrize(("fallback", "expected"), [("noop", {6}), ("random_legal", None)])
def test_a_fallback_is_played_and_counted(spawn, mock, fallback: str, expected) -> None:
    client = worker(spawn, mock("nonsense"), "--retries", "1", "--fallback", fallback)
    client.request({"cmd": "reset", "seed": 3, "req": 2}, "ready")
    played = set()
    for i in range(12):
        event = client.request(
            {"cmd": "select_action", "action_mask": [1, 1, 1, 0, 0, 0, 1], "req": 10 + i},
            "action_selected",
        )
        assert event["record"]["fallback"] == fallback and event["record"]["valid"] is False
        assert event["record"]["replies"] == 2
        assert event["reason"] == f"fallback {fallback}: no answer in 2 replies"
        played.add(event["action"])
    assert played == expected if expected else (played <= {0, 1, 2, 6} and len(played) > 1)


def test_without_a_fallback_a_model_that_never_answers_is_an_error(spawn, mock) -> None:
    client = worker(spawn, mock("nonsense"), "--retries", "0")
    event = client.request({"cmd": "select_action", "req": 2})
    assert event["type"] == "error" and event["code"] == "invalid_answer"


def test_a_run_counts_each_llm_players_decisions(tmp_path: Path, mock) -> None:
    url = mock("nonsense")
    spec = parse(
        {
            "execution": {"episodes": 2, "seed": 1, "max_steps": 4},
            "operators": [
                {
                    "id": "weak",
                    "env_name": "minigrid",
                    "task": "MiniGrid-Empty-5x5-v0",
                    "workers": {
                        "agent": {
                            "type": "llm",
                            "model": "mock",
                            "base_url": url,
                            "retries": 0,
                            "fallback": "random_legal",
                        }
                    },
                }
            ],
        }
    )
    with TelemetryStore.open(tmp_path / "runs.sqlite") as store:
        result = asyncio.run(run_experiment(spec, store, log_dir=tmp_path))
        outcome = result.outcomes[0]
        assert outcome.status == "finished"
        stats = outcome.decisions["agent"]  # type: ignore[index]
        assert (stats.decisions, stats.invalid, stats.fallbacks) == (8, 8, 8)
        assert stats.invalid_rate == 1.0
        # the store's sums (SQLite's) equal the records added up one by one in Python
        again = DecisionStats()
        for agent, record in store.decision_records(outcome.run_id):
            assert agent == "agent"
            again.add(record)
        assert again == stats


def test_schema_mode_constrains_the_answer_to_the_legal_names(spawn) -> None:
    server, url = start("first", seed=1)
    try:
        client = worker(spawn, url, "--answer-format", "schema")
        event = client.request(
            {"cmd": "select_action", "action_mask": [0, 1, 1, 0, 0, 0, 0], "req": 2},
            "action_selected",
        )
        handler = server.RequestHandlerClass
        (schema,) = handler.schemas  # one request, as response_format json_schema
        assert schema["properties"]["action"]["enum"] == ["right", "forward"]  # legal only
        assert schema["required"] == ["action"] and schema["additionalProperties"] is False
        assert handler.json_requests == 0
        assert event["record"]["answer"] == '{"action": "right"}' and event["action"] == 1
    finally:
        server.shutdown()


def test_json_mode_asks_the_server_for_a_json_answer_and_reads_it(spawn) -> None:
    server, url = start("first", seed=1)
    try:
        client = worker(spawn, url, "--answer-format", "json")
        event = client.request({"cmd": "select_action", "req": 2}, "action_selected")
        handler = server.RequestHandlerClass
        assert handler.json_requests == 1  # response_format {"type": "json_object"} was sent
        assert 'Answer with a JSON object {"action": "<action>"}' in handler.system_prompts[-1]
        assert event["record"]["answer"] == '{"action": "left"}' and event["action"] == 0
    finally:
        server.shutdown()
