"""Command line of the environment worker (`python -m env_worker --help`)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from worker_common.policies import BEHAVIORS

from env_worker.runtime import WORKER_NAME, WorkerOptions
from mosaic_tui.protocol import Error, FrameRequest


def _frame(text: str) -> FrameRequest:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
        return FrameRequest(w, h)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT in pixels, got {text!r}") from None


def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m env_worker",
        description="mosaic-tui environment worker: owns one environment and speaks the JSON-lines"
        " protocol (docs/protocol.md) on stdin/stdout. Stray prints go to stderr.",
    )
    p.add_argument("--run-id", required=True, help="run id echoed in every ready event")
    p.add_argument(
        "--env-id",
        required=True,
        metavar="TASK",
        help="registered task id, e.g. MiniGrid-Empty-8x8-v0 (see `mosaic-tui envs`)",
    )
    p.add_argument(
        "--policy",
        choices=BEHAVIORS,
        default="random",
        help="built-in policy for self-driving steps (`step {}` and `run`)",
    )
    p.add_argument(
        "--max-steps",
        type=int,
        default=None,
        help="truncate episodes after this many steps (reset may override)",
    )
    p.add_argument(
        "--frame-size",
        type=_frame,
        default=None,
        metavar="WxH",
        help="default frame box in pixels; frames are area-downsampled to fit",
    )
    p.add_argument(
        "--frame-encoding",
        choices=("zlib", "raw", "png"),
        default="zlib",
        help="how frames are packed on the wire (default zlib)",
    )
    p.add_argument(
        "--env-settings",
        type=_json_object,
        default={},
        metavar="JSON",
        help="keyword arguments for gymnasium.make, as a JSON object",
    )
    p.add_argument(
        "--execution-mode",
        choices=("aec", "parallel"),
        default=None,
        help="multi-agent games: turn-based (aec) or simultaneous (parallel); default: the"
        " family's own",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.max_steps is not None and args.max_steps < 1:
        parser().error("--max-steps must be >= 1")
    # Headless SDL, and no pygame banner on stdout, before any env module is imported.
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

    from mosaic_tui.protocol.stdio import WorkerChannel

    channel = WorkerChannel(frame_encoding=args.frame_encoding)  # unless a request says
    options = WorkerOptions(
        args.run_id, args.env_id, args.policy, args.max_steps, args.frame_size, args.env_settings
    )
    try:
        from mosaic_tui.envs import EnvError, make_env, stepping, warm_up_note

        options.stepping = stepping(args.env_id, args.execution_mode)
        options.warm_up = warm_up_note(args.env_id)
        env = make_env(args.env_id, execution_mode=args.execution_mode, **args.env_settings)
        from env_worker.runtime import EnvRuntime

        runtime = EnvRuntime(channel, options, env)
    except (EnvError, ValueError) as exc:
        channel.send(Error(message=str(exc), code="bad_env", fatal=True))
        return 2
    except Exception as exc:  # an env that fails to build: say so, exit non-zero
        import traceback

        traceback.print_exc()
        channel.send(
            Error(
                message=f"{WORKER_NAME} could not start {args.env_id}: {type(exc).__name__}: {exc}",
                code="start_failed",
                fatal=True,
            )
        )
        return 1
    try:
        return runtime.serve()
    finally:
        env.close()


if __name__ == "__main__":
    sys.exit(main())
