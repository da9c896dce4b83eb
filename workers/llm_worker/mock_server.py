"""An OpenAI-compatible endpoint with no model behind it, for trying the LLM path offline:
`python -m llm_worker.mock_server --port 8765`, then `base_url = "http://127.0.0.1:8765/v1"`.

It answers each chat turn with one of the legal actions listed in the prompt (`--reply random`,
seeded, or `first`), or with text that names none (`--reply nonsense`) to see how the app
reports a model that does not follow instructions. It is a stand-in, not a language model.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LEGAL_PREFIX = "Legal actions:"
CORRECTION = "The legal actions:"


def legal_from(messages: list[dict[str, Any]]) -> list[str]:
    """The legal actions the worker listed in its latest turn (or correction)."""
    for message in reversed(messages):
        text = text_of(message.get("content", ""))
        for marker in (CORRECTION, LEGAL_PREFIX):
            if marker in text:
                listed = text.split(marker, 1)[1].splitlines()[0]
                listed = listed.split(" (and ", 1)[0]
                return [name.strip() for name in listed.split(",") if name.strip()]
    return []


def text_of(content: Any) -> str:
    """A message's text: a string, or the text parts of a list (a VLM turn adds images)."""
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", "")) for part in content if isinstance(part, dict)
        )
    return str(content)


def images_of(messages: list[Any]) -> list[str]:
    """The image URLs in the turn's messages (what a VLM player showed)."""
    return [
        str(part.get("image_url", {}).get("url", ""))
        for message in messages
        if isinstance(message, dict) and isinstance(message.get("content"), list)
        for part in message["content"]
        if isinstance(part, dict) and part.get("type") == "image_url"
    ]


def make_handler(reply: str, rng: random.Random, delay: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        authorizations: list[str] = []  # what clients sent, so tests can check the key arrived
        system_prompts: list[str] = []  # and the system prompts they sent
        images: list[str] = []  # and the images (data URIs), for VLM players
        json_requests = 0  # turns that asked for JSON mode (response_format json_object)
        schemas: list[dict[str, Any]] = []  # the JSON schemas asked for (json_schema)

        def do_GET(self) -> None:  # /v1/models
            self._send(200, {"object": "list", "data": [{"id": "mock", "object": "model"}]})

        def do_POST(self) -> None:
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            Handler.authorizations.append(self.headers.get("Authorization", ""))
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            Handler.system_prompts += [
                str(m.get("content", ""))
                for m in body.get("messages", [])[:1]
                if isinstance(m, dict) and m.get("role") == "system"
            ]
            Handler.images += images_of(body.get("messages", []))
            legal = legal_from(body.get("messages", []))
            if reply == "nonsense" or not legal:
                text = "I would rather not say."
            elif reply == "first":
                text = legal[0]
            else:
                text = rng.choice(legal)
            wanted = body.get("response_format") or {}
            if wanted.get("type") == "json_schema":  # constrained: only a legal name can come
                Handler.schemas.append(wanted.get("json_schema", {}).get("schema", {}))
                text = json.dumps({"action": text if text in legal else legal[0]})
            elif wanted.get("type") == "json_object":
                Handler.json_requests += 1
                text = json.dumps({"action": text} if reply != "nonsense" else {"say": text})
            time.sleep(delay)
            self._send(
                200,
                {
                    "id": "chatcmpl-mock",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "mock"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 0, "completion_tokens": 1, "total_tokens": 1},
                },
            )

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

    return Handler


def serve(
    port: int, reply: str = "random", seed: int = 0, delay: float = 0.0
) -> ThreadingHTTPServer:
    """A server bound to 127.0.0.1:port (0: any free port); call serve_forever() on it."""
    handler = make_handler(reply, random.Random(seed), delay)
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def start(reply: str = "random", seed: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """A server on a free port, serving from a daemon thread; (server, base_url). Call
    server.shutdown() when done."""
    server = serve(0, reply, seed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/v1"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m llm_worker.mock_server", description=__doc__)
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--reply", choices=("random", "first", "nonsense"), default="random")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    args = p.parse_args(argv)
    server = serve(args.port, args.reply, args.seed, args.delay)
    print(f"mock OpenAI-compatible endpoint on http://127.0.0.1:{server.server_port}/v1")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
