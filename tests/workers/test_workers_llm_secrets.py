"""The LLM worker never repeats the API key: not in an `error`, a reason, or its stderr, even
when the endpoint quotes the key it refused."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mosaic_tui.core.secrets import mask_secrets

KEY = "sk-live-abcdef0123456789XYZ"


class QuotingHandler(BaseHTTPRequestHandler):
    """An endpoint that quotes the key: a 500 naming it, or a 'reply' that repeats it."""

    def do_POST(self) -> None:
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.server.mode.startswith("short"):  # type: ignore[attr-defined]
            key = f"{key[:8]}...{key[-4:]}"  # as OpenAI-style endpoints echo a refused key
        if self.server.mode.endswith("error"):  # type: ignore[attr-defined]
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


@pytest.mark.parametrize("mode", ["error", "reply", "short-error", "short-reply"])
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
        if mode.endswith("error"):
            assert answer["type"] == "error" and "over quota" in answer["message"]
            assert "key *** is over quota" in answer["message"]
        else:
            assert answer["type"] == "action_selected" and answer["action"] == 4
            assert "***" in answer["reason"]
        client.send({"cmd": "stop"})
        client.read_type("stopped")
        client.wait()
        for text in (b"".join(client.raw).decode(), client.stderr):
            assert KEY not in text
            assert KEY[:8] not in text and f"...{KEY[-4:]}" not in text  # nor a shortened one
    finally:
        server.shutdown()


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"key {KEY} refused", "key *** refused"),
        (
            f"Incorrect API key provided: {KEY[:8]}...{KEY[-4:]}.",
            "Incorrect API key provided: ***.",
        ),
        (f"key {KEY[:4]}…{KEY[-4:]}", "key ***"),
        (f"key {KEY[:7]}{'*' * 20}{KEY[-5:]}!", "key ***!"),
        (f"a piece: {KEY[5:15]} here", "a piece: *** here"),
        (f"head {KEY[:8]}", "head ***"),
        # not the key: too short a piece, or no key around the ellipsis
        (f"sk-l and {KEY[-4:]}; wait... done", f"sk-l and {KEY[-4:]}; wait... done"),
        (f"{KEY[:3]}...{KEY[-3:]}", f"{KEY[:3]}...{KEY[-3:]}"),
    ],
)
def test_a_key_is_masked_whole_in_pieces_and_shortened(text: str, masked: str) -> None:
    assert mask_secrets(text, [KEY]) == masked


def test_a_short_secret_is_masked_only_whole() -> None:
    assert mask_secrets("pw hunter2 and hunt", ["hunter2"]) == "pw *** and hunt"
    assert mask_secrets("nothing here", []) == "nothing here"
