"""Streamed episodes (`run`): the worker's own policy plays whole episodes with no round trip
per step, while `ping` and `stop` are still answered between steps."""

from __future__ import annotations

from typing import Any

from env_worker.episode import Stopping
from mosaic_tui.protocol import Ping, Pong, ProtocolError, Run, RunEnd, Stop, Stopped


class Streaming:
    """A mixin of `EnvRuntime` (uses its channel, episodes and policy)."""

    channel: Any

    def run(self, cmd: Run) -> None:
        if cmd.episodes < 1:
            self.fail("run needs episodes >= 1", "bad_command", "run", cmd.req)
            return
        if cmd.seeds is not None and len(cmd.seeds) < cmd.episodes:
            self.fail(
                f"run got {len(cmd.seeds)} seeds for {cmd.episodes} episodes",
                "bad_command",
                "run",
                cmd.req,
            )
            return
        steps = 0
        for i in range(cmd.episodes):
            seed = (
                cmd.seeds[i]
                if cmd.seeds is not None
                else (None if cmd.seed is None else cmd.seed + i)
            )
            self.start_episode(
                seed, cmd.max_steps or self.options.max_steps, cmd.frame, False, False, cmd.req
            )
            ep = self.episode
            assert ep is not None
            while not ep.done:
                stop = self.stop_requested()
                if stop is not False:
                    self.channel.send(
                        RunEnd(episodes=i, steps=steps, interrupted=True, req=cmd.req)
                    )
                    if stop is not None:
                        self.channel.send(Stopped(req=stop.req))
                    raise Stopping
                self.advance(ep, self.own_action(ep, {}), cmd.req, frame=cmd.frame is not None)
                steps += 1
        self.channel.send(RunEnd(episodes=cmd.episodes, steps=steps, req=cmd.req))

    def stop_requested(self) -> Stop | None | bool:
        """During a run: the Stop command, None if stdin closed, False to keep going."""
        pending = self.channel.poll()
        if pending is False:
            return False
        if pending is None or isinstance(pending, Stop):
            return pending
        if isinstance(pending, Ping):
            self.channel.send(Pong(req=pending.req))
        elif isinstance(pending, ProtocolError):
            self.channel.reject(pending)
        else:
            self.fail(
                f"busy with a run; {pending.kind!r} ignored (send stop to interrupt)",
                "busy",
                pending.kind,
                getattr(pending, "req", None),
            )
        return False
