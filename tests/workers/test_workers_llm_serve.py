"""`llm serve`'s one addition to llama-cpp-python: OpenAI's structured-output request passed on
in the form llama-cpp-python reads. Checked without the extra, with a stand-in ASGI app."""

from __future__ import annotations

import asyncio
import json

from llm_worker.client import answer_schema
from llm_worker.serve import StructuredOutput, find_model, llama_response_format


def test_a_json_schema_request_becomes_llama_cpp_pythons_json_object_with_schema() -> None:
    body = {"model": "local", "messages": [], "response_format": answer_schema(["a", "b"])}
    rewritten = llama_response_format(body)
    assert rewritten["response_format"] == {
        "type": "json_object",
        "schema": answer_schema(["a", "b"])["json_schema"]["schema"],
    }
    assert llama_response_format({"response_format": {"type": "json_object"}}) == {
        "response_format": {"type": "json_object"}
    }  # other requests pass unchanged


def test_the_middleware_rewrites_the_body_and_its_length() -> None:
    seen: dict = {}

    async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        message = await receive()
        seen["body"] = json.loads(message["body"])
        seen["length"] = dict(scope["headers"])[b"content-length"]

    body = json.dumps({"response_format": answer_schema(["left"])}).encode()
    parts = [body[:10], body[10:]]  # the request arrives in two pieces

    async def receive() -> dict:
        more = len(parts) > 1
        return {"type": "http.request", "body": parts.pop(0), "more_body": more}

    scope = {"type": "http", "method": "POST", "path": "/v1/chat/completions",
             "headers": [(b"content-length", str(len(body)).encode())]}  # fmt: skip
    asyncio.run(StructuredOutput(app)(scope, receive, lambda m: asyncio.sleep(0)))
    assert seen["body"]["response_format"]["type"] == "json_object"
    assert seen["body"]["response_format"]["schema"]["properties"]["action"]["enum"] == ["left"]
    assert int(seen["length"]) == len(json.dumps(seen["body"]).encode())


def test_a_missing_model_names_the_ways_to_give_one(tmp_path, monkeypatch) -> None:
    import pytest

    monkeypatch.delenv("MOSAIC_TUI_LLM_MODEL", raising=False)
    with pytest.raises(LookupError, match="no model file"):
        find_model(str(tmp_path / "nope.gguf"))
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    monkeypatch.setenv("MOSAIC_TUI_LLM_MODEL", str(model))
    assert find_model(None) == model
