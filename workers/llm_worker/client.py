"""One chat completion from an OpenAI-compatible endpoint, through the `openai` package.

The API key comes from the environment (MOSAIC_TUI_LLM_API_KEY, then OPENAI_API_KEY), never
from the command line; local servers that need no key get a placeholder.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from typing import Any

from mosaic_tui.protocol.worker_settings import LLM_KEY_VARIABLES, LLM_WORKER, default

KEY_VARIABLES = LLM_KEY_VARIABLES
NO_KEY = "not-needed"


class EndpointError(RuntimeError):
    """The endpoint could not be used; the message says what to check."""


@dataclass(frozen=True)
class Endpoint:
    base_url: str
    model: str
    temperature: float = default(LLM_WORKER, "temperature")  # the declared defaults
    max_tokens: int = default(LLM_WORKER, "max_tokens")
    timeout: float = default(LLM_WORKER, "timeout")
    # text; json: ask for a JSON object (response_format json_object); schema: for one whose
    # action is one of the legal names (response_format json_schema, strict): the server's
    # grammar then makes any other answer impossible
    answer_format: str = "text"


def answer_schema(legal: list[str]) -> dict[str, Any]:
    """OpenAI's structured-output request for `{"action": <one of the legal names>}` (OpenAI,
    vLLM, llama.cpp's server, Ollama; `mosaic-tui llm serve` passes it to llama-cpp-python)."""
    return {
        "type": "json_schema",
        "json_schema": {
            "name": "action",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {"action": {"type": "string", "enum": list(legal)}},
                "required": ["action"],
                "additionalProperties": False,
            },
        },
    }


def api_key() -> str:
    for name in KEY_VARIABLES:
        if os.environ.get(name):
            return os.environ[name]
    return NO_KEY  # local servers (vLLM, llama.cpp, Ollama) ignore it


def not_a_completion(base_url: str, what: str) -> str:
    return (
        f"{base_url} answered, but not with an OpenAI chat completion ({what!r}): is base_url"
        " the API's /v1 address?"
    )


class Chat:
    """The endpoint's chat API. `openai` is imported at the first request, not at start: its
    import costs about a second of CPU, and the worker answers `init`, `ping` and `stop`
    without it."""

    tokens_in = 0  # the last reply's token counts (0 where the endpoint sends none)
    tokens_out = 0

    def __init__(self, endpoint: Endpoint) -> None:
        if importlib.util.find_spec("openai") is None:
            raise EndpointError("llm_worker needs the openai package: pip install -e '.[llm]'")
        self.endpoint = endpoint
        self._client: Any = None

    def client(self) -> Any:
        if self._client is None:
            import openai

            self._client = openai.OpenAI(
                base_url=self.endpoint.base_url,
                api_key=api_key(),
                timeout=self.endpoint.timeout,
                max_retries=0,  # one request per try: the worker's retries are about answers
            )
        return self._client

    def complete(self, messages: list[dict[str, Any]], legal: list[str] | None = None) -> str:
        """The model's reply text; EndpointError naming the cause and the fix otherwise."""
        e, client = self.endpoint, self.client()
        import openai

        extra: dict[str, Any] = {}
        if e.answer_format == "json":
            extra["response_format"] = {"type": "json_object"}
        elif e.answer_format == "schema":
            extra["response_format"] = answer_schema(legal or [])
        try:
            response = client.chat.completions.create(
                model=e.model,
                messages=messages,  # type: ignore[arg-type]
                temperature=e.temperature,
                max_tokens=e.max_tokens,
                **extra,
            )
        except openai.AuthenticationError:
            given = next((name for name in KEY_VARIABLES if os.environ.get(name)), None)
            raise EndpointError(
                f"{e.base_url} refused the API key in {given}: check that key (it is sent as"
                " it is set there)"
                if given
                else f"{e.base_url} refused the API key: set {KEY_VARIABLES[0]} (or"
                f" {KEY_VARIABLES[1]}) in the environment the app runs in"
            ) from None
        except openai.NotFoundError as exc:
            raise EndpointError(
                f"{e.base_url} does not know model {e.model!r} or the chat API: {exc.message}"
            ) from None
        except openai.APITimeoutError:
            raise EndpointError(
                f"{e.base_url} did not answer within {e.timeout:g} s (raise timeout)"
            ) from None
        except openai.APIConnectionError:
            raise EndpointError(
                f"cannot reach {e.base_url}: is the server running, and is base_url right?"
            ) from None
        except openai.APIStatusError as exc:
            raise EndpointError(f"{e.base_url} answered {exc.status_code}: {exc.message}") from None
        except openai.APIError as exc:
            raise EndpointError(f"{e.base_url}: {type(exc).__name__}: {exc}") from None
        except ValueError:  # a 200 whose body is not JSON (an HTML page, garbage)
            raise EndpointError(not_a_completion(e.base_url, "not JSON")) from None
        try:
            choices = response.choices
            content = choices[0].message.content if choices else None
        except (AttributeError, IndexError, TypeError):  # a 200 that is not a chat completion
            raise EndpointError(not_a_completion(e.base_url, str(response)[:80])) from None
        if not choices:  # {"hello": "world"} parses, but is no chat completion
            raise EndpointError(not_a_completion(e.base_url, str(response)[:80]))
        if not content:
            raise EndpointError(f"{e.model} at {e.base_url} sent an empty reply")
        usage = getattr(response, "usage", None)  # tokens, where the endpoint counts them
        self.tokens_in = int(getattr(usage, "prompt_tokens", 0) or 0)
        self.tokens_out = int(getattr(usage, "completion_tokens", 0) or 0)
        return content
