"""The LLM decision worker against a real HTTP endpoint (the bundled mock, in a thread):
legal answers only, bad answers refused with the reply quoted, keys only from the environment."""

from __future__ import annotations

import os
import threading

import pytest
from llm_worker.mock_server import start
from llm_worker.prompt import parse

from mosaic_tui.runtime import LaunchError
from mosaic_tui.runtime.launcher import worker

TICTACTOE = {
    "cmd": "init_agent",
    "player_id": "player_2",
    "game": "tictactoe_v3",
    "action_space": {"type": "discrete", "n": 9},
    "labels": [str(i) for i in range(9)],
}


@pytest.fixture
def endpoint():
    """endpoint(reply) -> (base_url, server) of a mock OpenAI-compatible server."""
    servers = []

    def begin(reply: str = "random"):
        server, url = start(reply, seed=1)
        servers.append(server)
        return url, server

    yield begin
    for server in servers:
        server.shutdown()


@pytest.fixture
def llm(spawn, endpoint):
    def start(reply: str = "random", base_url: str | None = None, **env: str):
        url = base_url or endpoint(reply)[0]
        for key, value in env.items():
            os.environ[key] = value
        try:
            client = spawn("llm_worker", "--model", "mock", "--base-url", url, "--timeout", "5")
        finally:
            for key in env:
                os.environ.pop(key)
        client.init = client.read_type("init")
        client.request({**TICTACTOE, "req": 1}, "agent_ready")
        return client

    return start


def test_answers_are_legal_actions_only(llm) -> None:
    client = llm("random")
    mask = [0, 1, 0, 0, 1, 0, 0, 1, 0]
    chosen = {
        client.request(
            {"cmd": "select_action", "action_mask": mask, "step_index": i, "req": 10 + i},
            "action_selected",
        )["action"]
        for i in range(12)
    }
    assert chosen <= {1, 4, 7} and len(chosen) > 1


def test_named_moves_are_offered_and_mapped_back(llm) -> None:
    client = llm("first")
    event = client.request(
        {"cmd": "select_action", "moves": {"e2e4": 877, "Nf3": 12}, "board": ["8 ♜"], "req": 5},
        "action_selected",
    )
    assert event["action"] == 877 and event["reason"] == "e2e4"
    assert event["action_str"] == "e2e4"


def test_a_reply_naming_no_action_is_refused_with_the_reply_quoted(llm) -> None:
    client = llm("nonsense")
    error = client.request({"cmd": "select_action", "action_mask": [1] * 9, "req": 2}, "error")
    assert error["code"] == "invalid_answer" and not error["fatal"]
    assert "I would rather not say" in error["message"] and "3 tries" in error["message"]
    assert client.request({"cmd": "ping", "req": 3}, "pong")  # still serving


def test_an_endpoint_that_is_down_is_named(llm) -> None:
    client = llm(base_url="http://127.0.0.1:9/v1")  # nothing listens on port 9
    error = client.request({"cmd": "select_action", "action_mask": [1] * 9, "req": 2}, "error")
    assert error["code"] == "llm_unavailable"
    assert "cannot reach http://127.0.0.1:9/v1" in error["message"]


def test_the_api_key_travels_in_the_environment_and_the_header(llm, endpoint) -> None:
    url, server = endpoint("first")
    client = llm(base_url=url, MOSAIC_TUI_LLM_API_KEY="sk-test-123")
    client.request({"cmd": "select_action", "action_mask": [1] * 9, "req": 2}, "action_selected")
    assert "Bearer sk-test-123" in server.RequestHandlerClass.authorizations
    assert all("sk-test-123" not in arg for arg in client.argv)
    argv, env = worker("llm_worker").command(
        "r", {"model": "m", "api_key": "sk-secret"}, player_id="p"
    )
    assert "sk-secret" not in " ".join(argv) and env["MOSAIC_TUI_LLM_API_KEY"] == "sk-secret"


def test_a_model_is_required_before_anything_starts() -> None:
    with pytest.raises(LaunchError, match="llm_worker needs the setting.*model"):
        worker("llm_worker").command("r", {"base_url": "http://x/v1"}, player_id="p")


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("forward", 2),
        ("  'Forward'. ", 2),
        ("`pickup`", 3),
        ("I see a wall ahead.\nACTION: right", 1),
        ("Action = forward\nno wait\naction: left", 0),  # the last tagged line counts
        ('{"action": "right"}', 1),
        ('```json\n{"action": "pickup"}\n```', 3),
        ("ACTION: jump", None),  # tagged, but not a legal action
        # prose that merely contains a name is not an answer (SmolLM2's 40 replies out of 40,
        # all played as `right` before): nor is a name among others
        ("You are right. You can only do one legal action at a time, and", None),
        ("I will move forward now.", None),
        ("left or right?", None),
        ("go ahead", None),
        ("pick-up", None),  # not a name; "pickup" is
        ('{"action": 7}', None),
        # a JSON answer cut off by max_tokens after its first field (SmolLM2 in JSON mode)
        ('{"action": "pickup", "legalActionsList": [\n    {"id":"1234567', 3),
        ('{"mission": "x", "action": "left"', None),  # cut off, and not its first field
        ("{not json", None),
    ],
)
def test_parse_takes_only_an_answer_never_a_name_in_prose(reply: str, expected: int | None) -> None:
    legal = {"left": 0, "right": 1, "forward": 2, "pickup": 3}
    assert parse(reply, legal) == expected


@pytest.mark.parametrize(
    ("status", "ctype", "body", "key", "said"),
    [
        (200, "text/html", b"<html><body>a web page</body></html>", None,
         "not with an OpenAI chat completion"),
        # garbage JSON gave the raw JSONDecodeError, naming neither the URL nor a fix
        (200, "application/json", b"{not json", None, "not with an OpenAI chat completion"),
        # JSON, but no completion: it was "sent an empty reply"
        (200, "application/json", b'{"hello": "world"}', None, "not with an OpenAI chat"),
        # a key that is set but refused: not "set the key" as when none is
        (401, "application/json", b'{"error": {"message": "bad key"}}', "sk-QA-1",
         "refused the API key in MOSAIC_TUI_LLM_API_KEY: check that key"),
        (401, "application/json", b'{"error": {"message": "no key"}}', None,
         "refused the API key: set MOSAIC_TUI_LLM_API_KEY"),
    ],
)  # fmt: skip
def test_an_endpoint_that_is_not_an_openai_api_is_named_not_a_crash(
    llm, status: int, ctype: str, body: bytes, key: str | None, said: str
) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Page(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/v1"
        client = llm(base_url=url, **({"MOSAIC_TUI_LLM_API_KEY": key} if key else {}))
        error = client.request({"cmd": "select_action", "action_mask": [1] * 9, "req": 2}, "error")
        assert error["code"] == "llm_unavailable" and said in error["message"], error["message"]
        assert url in error["message"] and (key is None or key not in error["message"])
        assert client.request({"cmd": "ping", "req": 3}, "pong")  # still serving
    finally:
        server.shutdown()


def test_the_decision_budget_covers_every_try_and_retries_are_not_negative() -> None:
    from mosaic_tui.core import WorkerAssignment
    from mosaic_tui.runtime.players import make_player

    seat = WorkerAssignment(
        "llm_worker", "llm", {"model": "m", "timeout": 20, "retries": 3, "base_url": "http://x"}
    )
    player = make_player(
        "p", seat, "r", self_drive=False, keyboard=None, log_path=None, timeout=30.0
    )
    assert player.timeout == 20 * 4 + 5
    seeing = WorkerAssignment(  # a VLM player has the same budget (it was cut at 30 s)
        "llm_worker", "vlm", {"model": "m", "timeout": 60, "retries": 0, "base_url": "http://x"}
    )
    player = make_player(
        "p", seeing, "r", self_drive=False, keyboard=None, log_path=None, timeout=30.0
    )
    assert player.timeout == 60 + 5
    with pytest.raises(LaunchError, match="retries"):
        worker("llm_worker").command("r", {"model": "m", "retries": -1}, player_id="p")


# --------------------------------------------------------------------------- errors and stop


def test_commands_before_init_agent_are_not_ready(spawn, endpoint) -> None:
    client = spawn("llm_worker", "--model", "mock", "--base-url", endpoint("first")[0])
    assert client.read_type("init")["role"] == "decision"
    for message in (
        {"cmd": "select_action", "action_mask": [1] * 9, "req": 1},
        {"cmd": "reset", "seed": 3, "req": 2},
    ):
        error = client.request(message, "error")
        assert (error["code"], error["cmd"], error["req"]) == (
            "not_ready",
            message["cmd"],
            message["req"],
        )
        assert "init_agent" in error["message"] and error["fatal"] is False
    assert client.request({"cmd": "ping", "req": 3}) == {"type": "pong", "req": 3}
    client.request({**TICTACTOE, "req": 4}, "agent_ready")
    event = client.request({"cmd": "select_action", "action_mask": [1] * 9, "req": 5})
    assert event["type"] == "action_selected" and event["req"] == 5


def test_unknown_and_malformed_commands_get_errors_and_the_worker_keeps_serving(llm) -> None:
    client = llm("first")
    error = client.request({"cmd": "step", "req": 3}, "error")  # an env-worker command
    assert (error["code"], error["cmd"], error["req"]) == ("bad_command", "step", 3)
    assert "decision worker" in error["message"] and error["fatal"] is False
    for line in (
        b'{"cmd":"dance"}\n',
        b"{{{\n",
        b'{"cmd":"select_action","action_mask":"x"}\n',
        b'{"cmd":"init_agent","action_space":{"n":"six"}}\n',
        b'{"cmd":"init_agent","action_space":null}\n',
    ):
        client.send(line)
        error = client.read_type("error")
        assert error["code"] == "bad_command" and error["fatal"] is False, (line, error)
    assert client.request({"cmd": "ping", "req": 4}) == {"type": "pong", "req": 4}
    event = client.request({"cmd": "select_action", "action_mask": [0, 0, 1] + [0] * 6, "req": 5})
    assert (event["type"], event["action"]) == ("action_selected", 2)  # the first init holds


def test_stop_answers_stopped_and_exits_zero(llm) -> None:
    client = llm("first")
    assert client.request({"cmd": "stop", "req": 5}) == {"type": "stopped", "req": 5}
    assert client.wait(10) == 0
    assert client.read_all() == []


def test_closing_stdin_exits_zero(llm) -> None:
    client = llm("first")
    client.close_stdin()
    assert client.wait(5) == 0


def test_without_the_openai_package_the_worker_says_which_extra_to_install() -> None:
    import json
    import subprocess
    import sys

    # `openai` is looked up at start and imported only at the first request
    code = (
        "import sys; sys.modules['openai'] = None; from llm_worker.cli import main;"
        " sys.exit(main(['--run-id', 'r', '--model', 'm', '--base-url', 'http://127.0.0.1:9/v1']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    error = next(e for e in events if e["type"] == "error")
    assert error["code"] == "start_failed" and error["fatal"] is True
    assert "needs the openai package: pip install -e '.[llm]'" in error["message"]
