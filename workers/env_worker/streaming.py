"""Streamed episodes (`run`): the worker's own policy plays whole episodes with no round trip
per step, while `ping` and `stop` are still answered between steps. Functions over an
`EnvRuntime`, which they drive through its public `start_episode`, `advance` and stepper."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from env_worker.episode import Episode, Stopping
from env_worker.stepping import Refused
from env_worker.unobserved import unobserved
from mosaic_tui.protocol import (
    Ping,
    Pong,
    ProtocolError,
    Run,
    RunEnd,
    Step,
    Stop,
    Stopped,
    limits,
)

if TYPE_CHECKING:
    from env_worker.runtime import EnvRuntime


def run(runtime: EnvRuntime, cmd: Run) -> None:
    if cmd.episodes < 1:
        runtime.fail("run needs episodes >= 1", "bad_command", "run", cmd.req)
        return
    if cmd.actions is not None and (cmd.episodes != 1 or not isinstance(cmd.actions, list)):
        runtime.fail("a run with actions replays one episode: episodes must be 1",
                     "bad_command", "run", cmd.req)  # fmt: skip
        return
    if cmd.seeds is not None and len(cmd.seeds) < cmd.episodes:
        runtime.fail(
            f"run got {len(cmd.seeds)} seeds for {cmd.episodes} episodes",
            "bad_command",
            "run",
            cmd.req,
        )
        return
    for seed in cmd.seeds or []:
        limits.seed(seed)  # limits.BadCommand: refused as bad_command before any episode
    if cmd.seeds is None and (limits.seed(cmd.seed) or 0) + cmd.episodes - 1 > limits.MAX_SEED:
        raise limits.BadCommand(
            f"run counts seeds up from {cmd.seed} for {cmd.episodes} episodes, past 2**64-1:"
            " give a lower seed"
        )
    steps = 0
    # A replay with no frames needs rewards and endings only: no views are built (unobserved.py)
    blind = cmd.actions is not None and cmd.frame is None
    for i in range(cmd.episodes):
        seed = (
            cmd.seeds[i] if cmd.seeds is not None else (None if cmd.seed is None else cmd.seed + i)
        )
        runtime.start_episode(
            seed, cmd.max_steps or runtime.options.max_steps, cmd.frame, False, False, cmd.req
        )
        ep = runtime.episode
        assert ep is not None
        with unobserved(runtime.env) if blind else contextlib.nullcontext():
            steps = _play(runtime, cmd, ep, i, steps)
        if steps < 0:
            return
    runtime.channel.send(RunEnd(episodes=cmd.episodes, steps=steps, req=cmd.req))


def _play(runtime: EnvRuntime, cmd: Run, ep: Episode, i: int, steps: int) -> int:
    """Play episode `i` of a run to its end; the run's step count after it, or -1 if refused."""
    while not ep.done:
        stop = stop_requested(runtime)
        if stop is not False:
            runtime.channel.send(RunEnd(episodes=i, steps=steps, interrupted=True, req=cmd.req))
            if stop is not None:
                runtime.channel.send(Stopped(req=stop.req))
            raise Stopping
        if cmd.actions is None:
            action = runtime.stepper.own(ep)
        elif steps >= len(cmd.actions):
            break  # the recording ends here (the env goes on: the replay says so)
        else:
            try:
                action = recorded(runtime, ep, cmd.actions[steps])
            except Refused as refused:
                runtime.fail(f"replayed step {steps + 1}: {refused}", refused.code, "run",
                             cmd.req)  # fmt: skip
                runtime.channel.send(RunEnd(episodes=i, steps=steps, interrupted=True,
                                            req=cmd.req))  # fmt: skip
                return -1
        runtime.advance(ep, action, cmd.req, frame=cmd.frame is not None)
        steps += 1
    return steps


def recorded(runtime: EnvRuntime, ep: Episode, action: Any) -> Any:
    """A recorded action, checked as a `step` of it would be (Refused if it is not legal)."""
    if isinstance(action, dict):
        if bad := runtime.unknown_agents(action):
            raise Refused(bad, "unknown_agent")
        return runtime.stepper.actions(ep, Step(actions=action))
    return runtime.stepper.actions(ep, Step(action=action))


def stop_requested(runtime: EnvRuntime) -> Stop | None | bool:
    """During a run: the Stop command, None if stdin closed, False to keep going."""
    pending = runtime.channel.poll()
    if pending is False:
        return False
    if pending is None or isinstance(pending, Stop):
        return pending
    if isinstance(pending, Ping):
        runtime.channel.send(Pong(req=pending.req))
    elif isinstance(pending, ProtocolError):
        runtime.channel.reject(pending)
    else:
        runtime.fail(
            f"busy with a run; {pending.kind!r} ignored (send stop to interrupt)",
            "busy",
            pending.kind,
            getattr(pending, "req", None),
        )
    return False
