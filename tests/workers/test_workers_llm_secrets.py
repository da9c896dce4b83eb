"""The LLM worker never repeats the API key: not in an `error`, a reason, or its stderr, even
when the endpoint quotes the key it refused."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

KEY = "sk-live-abcdef0123456789XYZ"


class QuotingHandler(BaseHTTPRequestHandler):
    """An endpoint that quotes the key: a 500 naming it, or a 'reply' that repeats it."""

    def do_POST(self) -> None:
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.server.mode == "error":  # type: ignore[attr-defined]
            status, body = 500, {"error": {"message": f"key {key} is over quota"}}
        else:
            status = 200
            body = {
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": "m",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": f"my key is {key}\nACTION: 4"},
                        "finish_reason": "stop",
                    }
                ],
            }
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.mark.parametrize("mode", ["error", "reply"])
def test_the_key_never_leaves_the_llm_worker(spawn, mode: str) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), QuotingHandler)
    server.mode = mode  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ["MOSAIC_TUI_LLM_API_KEY"] = KEY
    try:
        client = spawn(
            "llm_worker",
            "--model",
            "m",
            "--base-url",
            f"http://127.0.0.1:{server.server_port}/v1",
            "--timeout",
            "5",
        )
    finally:
        os.environ.pop("MOSAIC_TUI_LLM_API_KEY")
    try:
        client.read_type("init")
        client.request(
            {"cmd": "init_agent", "action_space": {"n": 9}, "labels": [str(i) for i in range(9)]},
            "agent_ready",
        )
        answer = client.request({"cmd": "select_action", "req": 3})
        if mode == "error":
            assert answer["type"] == "error" and "over quota" in answer["message"]
            assert "key *** is over quota" in answer["message"]
        else:
            assert answer["type"] == "action_selected" and answer["action"] == 4
            assert "***" in answer["reason"]
        client.send({"cmd": "stop"})
        client.read_type("stopped")
        client.wait()
        assert KEY not in b"".join(client.raw).decode()
        assert KEY not in client.stderr
    finally:
        server.shutdown()
