"""The LLM decision worker: one player's actions from a model behind an OpenAI-compatible
endpoint (OpenAI, vLLM, llama.cpp's server, Ollama, ...).

`init_agent` names the game, the player and the action labels; each `select_action` becomes
one chat turn (the conversation restarts with every episode). A reply that names no legal
action is corrected and asked again; after `--retries` it is an `invalid_answer` error that
quotes it. An endpoint that fails is an `llm_unavailable` error naming the cause.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import time
from typing import Any, TextIO

import numpy as np

from llm_worker.client import NO_KEY, Chat, Endpoint, EndpointError, api_key
from llm_worker.prompt import Game, correction, legal_names, parse, system_prompt, turn_prompt
from mosaic_tui.protocol import (
    ActionSelected,
    AgentReady,
    Command,
    Error,
    InitAgent,
    Ping,
    Pong,
    Ready,
    Reset,
    SelectAction,
    limits,
)
from mosaic_tui.protocol.frames import Frame, FrameRequest, fit_frame
from mosaic_tui.protocol.settings import add_arguments
from mosaic_tui.protocol.stdio import WorkerChannel
from mosaic_tui.protocol.worker_settings import DEFAULT_IMAGE_SIZE, LLM_WORKER

WORKER_NAME = "llm_worker"
HISTORY_TURNS = 6  # earlier turns kept in the conversation (each a question and its answer)


class LlmRuntime:
    def __init__(
        self,
        channel: WorkerChannel,
        run_id: str,
        chat: Chat,
        retries: int,
        coordination_level: int = 1,
        role: str | None = None,
        fallback: str = "error",
        image_size: str | None = None,
    ) -> None:
        self.channel = channel
        self.run_id = run_id
        self.chat = chat
        self.retries = retries
        self.coordination_level = coordination_level  # what the system prompt adds
        self.role = role  # the level-3 role it was given (None: by seat)
        self.fallback = fallback  # after the retries: error, random_legal or noop
        self.image_size = image_size or DEFAULT_IMAGE_SIZE  # the largest picture sent
        self.answer_format = chat.endpoint.answer_format
        self.words = True  # set from --observation-text by main()
        self.rng = np.random.default_rng(0)
        self.noop: int | None = None
        self.game: Game | None = None
        self.history: list[dict[str, Any]] = []

    def serve(self) -> int:
        return self.channel.serve_decisions(WORKER_NAME, self.run_id, self.handle)

    def handle(self, cmd: Command) -> None:
        req = getattr(cmd, "req", None)
        if isinstance(cmd, Ping):
            self.channel.send(Pong(req=req))
        elif isinstance(cmd, InitAgent):
            self.game = Game.from_init(cmd, self.coordination_level, self.role)
            self.game.answer_format = self.answer_format
            self.game.words = self.words
            self.noop = cmd.noop_action
            self.history = []
            print(f"{WORKER_NAME}: {system_prompt(self.game)}", file=sys.stderr)
            self.channel.send(AgentReady(player_id=cmd.player_id, worker=WORKER_NAME, req=req))
        elif self.game is None:
            self.fail(
                f"{cmd.kind!r} before init_agent; send init_agent first", "not_ready", cmd, req
            )
        elif isinstance(cmd, Reset):
            seed = limits.seed(cmd.seed)  # seeds the random_legal fallback
            self.rng = np.random.default_rng(seed)
            self.history = []  # a new episode: a new conversation
            self.channel.send(Ready(run_id=self.run_id, seed=seed, req=req))
        elif isinstance(cmd, SelectAction):
            self.select(cmd, self.game)
        else:
            self.fail(
                f"{WORKER_NAME} does not answer {cmd.kind!r}; it is a decision worker"
                " (send init_agent, reset, select_action, ping or stop)",
                "bad_command",
                cmd,
                req,
            )

    def select(self, cmd: SelectAction, game: Game) -> None:
        legal = legal_names(game, cmd)
        if not legal:
            self.fail(f"no legal action for {game.player}", "no_legal_action", cmd, cmd.req)
            return
        prompt = limits.text("prompt", turn_prompt(game, cmd, legal))
        question: dict[str, Any] = {"role": "user", "content": prompt}
        image = picture(cmd.frame, self.image_size) if cmd.frame is not None else None
        if image is not None:  # a VLM player: the frame as a PNG data URI beside the text
            question["content"] = [
                {"type": "text", "text": prompt},
                {"type": "image_url", "image_url": {"url": image}},
            ]
        messages = [{"role": "system", "content": system_prompt(game)}, *self.history, question]
        replies = []
        record: dict[str, Any] = {
            "prompt_sha256": hashlib.sha256(prompt.encode()).hexdigest()[:16],
            "prompt_chars": len(prompt),
            "tokens_in": 0,
            "tokens_out": 0,
        }
        if image is not None:
            record["image_chars"] = len(image)
        self.chat.client()  # made (openai imported: ~1 s) before the clock starts
        began = time.perf_counter()
        for _ in range(1 + self.retries):
            try:
                reply = self.chat.complete(messages, legal)
            except EndpointError as exc:
                self.fail(str(exc), "llm_unavailable", cmd, cmd.req)
                return
            record["tokens_in"] += self.chat.tokens_in
            record["tokens_out"] += self.chat.tokens_out
            replies.append(reply)
            print(f"{WORKER_NAME}: {game.player} step {cmd.step_index}: {reply!r}", file=sys.stderr)
            action = parse(reply, legal)
            if action is not None:
                answer = {"role": "assistant", "content": reply}
                # earlier turns are kept as words: an image is sent once, with its own turn
                said = {"role": "user", "content": prompt}
                self.history = [*self.history, said, answer][-2 * HISTORY_TURNS :]
                reason = redact(reply.strip()[:200])
                name = next((n for n, a in legal.items() if a == action), str(action))
                record.update(self.outcome(replies, began), valid=len(replies) == 1)
                self.channel.send(
                    ActionSelected(
                        action, game.player, reason, action_str=name, record=record, req=cmd.req
                    )
                )
                return
            messages += [
                {"role": "assistant", "content": reply},
                {"role": "user", "content": correction(reply, legal)},
            ]
        quoted = "; ".join(repr(r.strip()[:80]) for r in replies)
        if self.fallback != "error":  # played, and counted: never silent
            action = self.stand_in(legal, cmd)
            name = next((n for n, a in legal.items() if a == action), str(action))
            record.update(self.outcome(replies, began), valid=False, fallback=self.fallback)
            self.channel.send(
                ActionSelected(
                    action,
                    game.player,
                    redact(f"fallback {self.fallback}: no answer in {len(replies)} replies"),
                    action_str=name,
                    record=record,
                    req=cmd.req,
                )
            )
            return
        self.fail(
            f"{self.chat.endpoint.model} named no legal action for {game.player} in"
            f" {len(replies)} tries ({quoted}); legal: {', '.join(list(legal)[:20])}",
            "invalid_answer",
            cmd,
            cmd.req,
        )

    def outcome(self, replies: list[str], began: float) -> dict[str, Any]:
        return {
            "answer": redact(replies[-1].strip()[:500]),
            "replies": len(replies),
            "latency_ms": round((time.perf_counter() - began) * 1000, 1),
        }

    def stand_in(self, legal: dict[str, int], cmd: SelectAction) -> int:
        """The fallback's action: a legal one at random (seeded by the episode), or the
        game's no-op where it is legal (else the first legal action)."""
        actions = sorted(set(legal.values()))
        if self.fallback == "noop" and self.noop in actions:
            return self.noop
        if self.fallback == "noop":
            return actions[0]
        return actions[int(self.rng.integers(len(actions)))]

    def fail(self, message: str, code: str, cmd: Command, req: int | None) -> None:
        self.channel.send(Error(message=redact(message), code=code, cmd=cmd.kind, req=req))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m llm_worker",
        description="mosaic-tui LLM decision worker: asks a model behind an OpenAI-compatible"
        " endpoint for one player's actions. The API key is read from MOSAIC_TUI_LLM_API_KEY"
        " or OPENAI_API_KEY, never from the command line.",
    )
    p.add_argument("--run-id", required=True, help="run id of the operator this player is in")
    p.add_argument("--player-id", default="agent", help="agent slot this worker plays")
    add_arguments(p, LLM_WORKER)  # --model, --base-url, ...: declared once
    return p


def picture(frame: Frame, size: str) -> str:
    """The frame, fitted into `size` (WxH), as a PNG data URI."""
    import base64
    import io

    from PIL import Image

    width, height = (int(n) for n in size.split("x"))
    fitted = fit_frame(frame.to_array(), FrameRequest(width, height))
    out = io.BytesIO()
    Image.fromarray(fitted.to_array(), "RGB").save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def redact(text: str) -> str:
    """`text` without the API key's value or a recognizable piece of it: an endpoint may
    quote the key it refused, whole or shortened (`sk-QA-SE...f3a9`), and a worker's errors
    and log are kept (runs.error, the log file, exports)."""
    key = api_key()
    if key == NO_KEY or not key:
        return text
    from mosaic_tui.protocol.masking import mask_secrets

    return mask_secrets(text, [key])


class RedactingStream(io.TextIOBase):
    """stderr with the API key masked, for prints and tracebacks alike."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(redact(text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    sys.stderr = RedactingStream(sys.stderr)  # type: ignore[assignment]
    channel = WorkerChannel()
    channel.scrub = redact  # every error this worker sends, the serve loop's own included
    endpoint = Endpoint(
        args.base_url,
        args.model,
        args.temperature,
        args.max_tokens,
        args.timeout,
        answer_format=args.answer_format,
    )
    try:
        chat = Chat(endpoint)
    except EndpointError as exc:
        channel.send(Error(message=redact(str(exc)), code="start_failed", fatal=True))
        return 2
    runtime = LlmRuntime(
        channel,
        args.run_id,
        chat,
        args.retries,
        args.coordination_level,
        args.role,
        args.fallback,
        args.image_size,
    )
    runtime.words = args.observation_text == "words"
    return runtime.serve()


if __name__ == "__main__":
    sys.exit(main())
