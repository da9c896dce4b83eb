"""Command line of the environment worker (`python -m env_worker --help`)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import BinaryIO

from env_worker.runtime import WORKER_NAME, WorkerOptions
from mosaic_tui.protocol import Error, FrameRequest, reference
from mosaic_tui.protocol.settings import add_arguments
from mosaic_tui.protocol.stdio import Streams
from mosaic_tui.protocol.worker_settings import ENV_WORKER


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
    add_arguments(p, ENV_WORKER)  # --policy, --max-steps, ...: declared once
    reference.add_arguments(p, "env_worker")  # --interactive, --render-mode (seed 004)
    return p


def main(argv: list[str] | None = None, *, streams: Streams | None = None) -> int:
    """`streams` (stdin, stdout) serve the protocol elsewhere than on this process's own
    pipes: a test harness running the worker in-process does."""
    args = parser().parse_args(argv)
    env_settings = args.env_settings or {}
    frame = FrameRequest(*map(int, args.frame_size.split("x"))) if args.frame_size else None
    # Headless SDL, and no pygame banner on stdout, before any env module is imported.
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

    if args.interactive:
        return _interactive(args, env_settings, streams)

    from mosaic_tui.protocol.stdio import WorkerChannel

    # zlib frames unless a request says otherwise
    channel = WorkerChannel(*(streams or (None, None)), frame_encoding=args.frame_encoding)
    options = WorkerOptions(
        args.run_id, args.env_id, args.policy, args.max_steps, frame, env_settings
    )
    options.policy_path, options.policy_mode = args.policy_path, args.policy_mode
    options.policy_seed = args.policy_seed
    try:
        from mosaic_tui.envs import EnvError, make_env, stepping, warm_up_note

        options.stepping = stepping(args.env_id, args.execution_mode)
        options.warm_up = warm_up_note(args.env_id)

        def make() -> object:
            return make_env(args.env_id, execution_mode=args.execution_mode, **env_settings)

        env = make()
        from env_worker.runtime import EnvRuntime

        runtime = EnvRuntime(channel, options, env, make)
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
        runtime.env.close()  # the env in use: a failed reset may have replaced the first


if __name__ == "__main__":
    sys.exit(main())


def _interactive(args: argparse.Namespace, env_settings: dict, streams: Streams | None) -> int:
    """Seed 004's interactive mode on the protocol's private stdout (stray prints go to
    stderr here too); errors in the dialect's words, fatal ones exit non-zero."""
    import io

    from mosaic_tui.protocol.stdio import claim_stdout, die_with_parent

    if streams is None:
        die_with_parent()
        lines: BinaryIO = io.BufferedReader(io.FileIO(0, "rb", closefd=False))
        out = claim_stdout()
    else:
        lines, out = streams
    from mosaic_tui.envs import EnvError, make_env, stepping

    try:
        if stepping(args.env_id, args.execution_mode) != "single_agent":
            raise EnvError(
                f"{args.env_id} is a multi-agent game; --interactive (the reference's"
                " single-agent dialect) drives single-agent tasks: start the worker without"
                " --interactive to speak mosaic-tui's protocol (docs/protocol.md)"
            )
        env = make_env(args.env_id, render_mode="rgb_array", **env_settings)
    except Exception as exc:
        reference.write(out, reference.error(f"{WORKER_NAME} could not start: {exc}"))
        return 2
    from env_worker.interactive import Interactive

    runtime = Interactive(
        env,
        out,
        run_id=args.run_id,
        env_id=args.env_id,
        policy=args.policy,
        frames=args.render_mode == "rgb_array",
        max_steps=args.max_steps,
    )
    try:
        return runtime.serve(lines)
    finally:
        env.close()
