"""The environment worker: owns one env, steps it when told, or drives it with a baseline.

Driven mode: `step {action}` applies the app's action. Self-driving mode: `step {}` lets the
built-in baseline act, and `run {episodes}` streams whole episodes without a round trip per
step. An illegal action is refused with an `error` naming it; it is never silently replaced.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from baseline_worker.policies import BaselinePolicy, NoLegalAction

from env_worker.adapters import AecAdapter, GymAdapter
from env_worker.boards import named_moves, text_board
from mosaic_tui.protocol import (
    PROTOCOL_VERSION,
    Command,
    EpisodeEnd,
    Error,
    FrameRequest,
    Init,
    Ping,
    Pong,
    ProtocolError,
    Ready,
    Reset,
    Run,
    RunEnd,
    Step,
    StepResult,
    Stop,
    Stopped,
    fit_frame,
    pack,
)
from mosaic_tui.protocol.stdio import WorkerChannel

WORKER_NAME = "env_worker"
LEGAL_LIST_ABOVE = 64  # actions; beyond this a 0/1 mask costs more than the legal indices


@dataclass
class WorkerOptions:
    run_id: str
    env_id: str
    policy: str = "random"
    max_steps: int | None = None
    frame: FrameRequest | None = None
    env_settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class Episode:
    index: int
    seed: int | None
    max_steps: int | None
    frame: FrameRequest | None
    observe: bool
    auto_reset: bool
    t: int = 0
    total: float = 0.0
    done: bool = False
    obs: Any = None
    mask: list[int] | None = None
    to_move: str | None = None  # turn-based games: whose move it is
    totals: dict[str, float] | None = None  # multi-agent: each agent's return so far


class Stopping(Exception):
    """Leave the serve loop (stop command or stdin closed)."""


class EnvRuntime:
    def __init__(
        self, channel: WorkerChannel, options: WorkerOptions, env: Any, *, turn_based: bool = False
    ) -> None:
        from mosaic_tui.envs import action_labels, discrete_size, noop_action

        self.channel = channel
        self.options = options
        self.env = env
        self.adapter: GymAdapter | AecAdapter = AecAdapter(env) if turn_based else GymAdapter(env)
        self.n_actions = discrete_size(self.adapter.action_space)
        self.labels = (
            [str(i) for i in range(self.n_actions)]
            if turn_based
            else action_labels(env, self.n_actions)
        )
        self.noop = noop_action(self.labels)
        self.policy = BaselinePolicy(options.policy, self.n_actions, self.noop)
        self.default_encoding = channel.frame_encoding  # --frame-encoding
        self.episode: Episode | None = None
        self.episodes_started = 0

    # ------------------------------------------------------------------ serving

    def hello(self) -> None:
        spec = getattr(self.env, "spec", None)
        self.channel.send(
            Init(
                protocol=PROTOCOL_VERSION,
                worker=WORKER_NAME,
                role="env",
                run_id=self.options.run_id,
                env_id=self.options.env_id,
                pid=_pid(),
                agents=self.adapter.agents,
                action_space={"type": "discrete", "n": self.n_actions},
                action_labels=self.labels,
                noop_action=self.noop,
                max_steps=self.options.max_steps
                or (spec.max_episode_steps if spec else None)
                or getattr(self.env.unwrapped, "max_steps", None),
            )
        )

    def serve(self) -> int:
        self.hello()
        while True:
            try:
                self.handle(self.channel.receive())
            except Stopping:
                return 0

    def handle(self, cmd: Command | ProtocolError | None) -> None:
        if cmd is None:
            raise Stopping
        if isinstance(cmd, ProtocolError):
            self.channel.reject(cmd)
            return
        req = getattr(cmd, "req", None)
        try:
            if isinstance(cmd, Reset):
                self.reset(cmd)
            elif isinstance(cmd, Step):
                self.step(cmd)
            elif isinstance(cmd, Run):
                self.run(cmd)
            elif isinstance(cmd, Ping):
                self.channel.send(Pong(req=req))
            elif isinstance(cmd, Stop):
                self.channel.send(Stopped(req=req))
                raise Stopping
            else:
                self.fail(
                    f"{WORKER_NAME} does not answer {cmd.kind!r}; it owns an environment"
                    " (send reset, step, run, ping or stop)",
                    "bad_command",
                    cmd.kind,
                    req,
                )
        except Stopping:
            raise
        except Exception as exc:  # the env raised: report it, keep serving
            traceback.print_exc()  # to stderr, i.e. the operator's log
            if self.episode is not None:
                self.episode.done = True
            self.fail(f"{type(exc).__name__}: {exc}", "env_error", cmd.kind, req)

    def fail(self, message: str, code: str, cmd: str | None = None, req: int | None = None) -> None:
        self.channel.send(Error(message=message, code=code, cmd=cmd, req=req))

    # ------------------------------------------------------------------ commands

    def reset(self, cmd: Reset) -> None:
        self.start_episode(
            cmd.seed,
            cmd.max_steps or self.options.max_steps,
            cmd.frame or self.options.frame,
            cmd.observe,
            cmd.auto_reset,
            cmd.req,
        )

    def start_episode(
        self,
        seed: int | None,
        max_steps: int | None,
        frame: FrameRequest | None,
        observe: bool,
        auto_reset: bool,
        req: int | None,
    ) -> None:
        self.allow_steps(max_steps)
        obs, info, mask, to_move = self.adapter.reset(seed)
        self.policy.reset(seed)
        ep = self.episode = Episode(
            self.episodes_started,
            seed,
            max_steps,
            frame,
            observe,
            auto_reset,
            obs=obs,
            mask=mask,
            to_move=to_move,
            totals=dict.fromkeys(self.adapter.agents, 0.0) if self.adapter.multi else None,
        )
        self.episodes_started += 1
        self.channel.send(
            Ready(
                run_id=self.options.run_id,
                env_id=self.options.env_id,
                seed=seed,
                episode=ep.index,
                max_steps=max_steps,
                frame=self.frame(ep.frame),
                **self.legal_fields(ep.mask),
                agent_to_move=ep.to_move,
                board=self.board(ep),
                moves=self.moves(ep),
                observation=pack(obs) if observe else None,
                info=_info(info) if observe else None,
                req=req,
            )
        )

    def step(self, cmd: Step) -> None:
        ep = self.episode
        if ep is None or ep.done:
            why = "no episode yet" if ep is None else "the episode has ended"
            self.fail(f"step refused: {why}; send reset first", "not_reset", "step", cmd.req)
            return
        if cmd.frame is not None:
            ep.frame = cmd.frame
        action = cmd.action
        if cmd.actions:
            mover = ep.to_move or "agent"
            unknown = sorted(set(cmd.actions) - set(self.adapter.agents))
            if unknown:
                self.fail(
                    f"unknown agent(s) {', '.join(unknown)}: this env's agents are"
                    f" {', '.join(self.adapter.agents)}",
                    "unknown_agent",
                    "step",
                    cmd.req,
                )
                return
            if set(cmd.actions) != {mover}:
                self.fail(
                    f"it is {mover}'s move, not {', '.join(sorted(cmd.actions))}'s",
                    "not_your_turn",
                    "step",
                    cmd.req,
                )
                return
            action = cmd.actions[mover] if action is None else action
        if action is None:
            action = self.policy.act(ep.mask)
        elif not self.legal(action, ep.mask):
            who = f" by {ep.to_move}" if ep.to_move else ""
            self.fail(
                f"illegal action {action!r}{who}: legal actions are {self.legal_list(ep.mask)}"
                f" ({', '.join(self.labels) if len(self.labels) <= 20 else 'see init'})",
                "illegal_action",
                "step",
                cmd.req,
            )
            return
        self.advance(ep, int(action), cmd.req)

    def advance(self, ep: Episode, action: int, req: int | None, frame: bool = True) -> bool:
        """Apply one action; returns True when the episode ended."""
        out = self.adapter.step(action)
        obs, reward, terminated, truncated, info = (
            out.obs,
            out.reward,
            out.terminated,
            out.truncated,
            out.info,
        )
        ep.t += 1
        if out.rewards is not None and ep.totals is not None:
            for agent, value in out.rewards.items():
                ep.totals[agent] = ep.totals.get(agent, 0.0) + value
            ep.total = sum(ep.totals.values())
        else:
            ep.total += reward
        if ep.max_steps is not None and ep.t >= ep.max_steps and not terminated:
            truncated = True
        ep.obs, ep.mask, ep.to_move = obs, out.mask, out.to_move
        ep.done = bool(terminated or truncated)
        self.channel.send(
            StepResult(
                step_index=ep.t,
                episode=ep.index,
                action=action,
                reward=reward,
                terminated=bool(terminated),
                truncated=bool(truncated),
                episode_return=ep.total,
                frame=self.frame(ep.frame) if frame else None,
                **self.legal_fields(ep.mask),
                agent=out.agent if self.adapter.multi else None,
                rewards=out.rewards,
                agent_to_move=None if ep.done else ep.to_move,
                board=self.board(ep) if frame else None,
                moves=None if ep.done or not frame else self.moves(ep),
                observation=pack(obs) if ep.observe else None,
                info=_info(info) if ep.observe else None,
                req=req,
            )
        )
        if ep.done:
            self.channel.send(
                EpisodeEnd(
                    episode=ep.index,
                    seed=ep.seed,
                    total_reward=ep.total,
                    episode_length=ep.t,
                    terminated=bool(terminated),
                    truncated=bool(truncated),
                    rewards=dict(ep.totals) if ep.totals is not None else None,
                    req=req,
                )
            )
            if ep.auto_reset:
                seed = None if ep.seed is None else ep.seed + 1
                self.start_episode(seed, ep.max_steps, ep.frame, ep.observe, True, req)
        return ep.done

    def run(self, cmd: Run) -> None:
        """Stream episodes; between steps, answer ping and stop so a run can be interrupted."""
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
                self.advance(ep, self.policy.act(ep.mask), cmd.req, frame=cmd.frame is not None)
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

    # ------------------------------------------------------------------ helpers

    def legal_fields(self, mask: list[int] | None) -> dict[str, list[int] | None]:
        """A mask for small action spaces; the legal indices for big ones (chess: 4,672)."""
        if mask is not None and len(mask) > LEGAL_LIST_ABOVE:
            return {"legal_actions": np.flatnonzero(mask).tolist()}
        return {"action_mask": mask}

    def shown(self, ep: Episode) -> bool:
        """Boards and move names are for eyes (a frame is asked for) or for an observing
        decision-maker; a headless stream skips them (SAN for every legal move is costly)."""
        return self.adapter.multi and (ep.frame is not None or ep.observe)

    def board(self, ep: Episode) -> list[str] | None:
        return text_board(self.options.env_id, self.env) if self.shown(ep) else None

    def moves(self, ep: Episode) -> dict[str, int] | None:
        if not self.shown(ep):
            return None
        return named_moves(self.options.env_id, self.env, ep.mask, ep.to_move)

    def allow_steps(self, max_steps: int | None) -> None:
        """Lift the env's own step limits (TimeLimit, MiniGrid's max_steps) to `max_steps`,
        so a longer limit is honoured, not silently cut to the env's default."""
        if max_steps is None:
            return
        layer = self.env
        while layer is not None:
            limit = getattr(layer, "_max_episode_steps", None)  # gymnasium's TimeLimit
            if isinstance(limit, int) and limit < max_steps:
                layer._max_episode_steps = max_steps
            layer = getattr(layer, "env", None)
        base = self.env.unwrapped
        if isinstance(getattr(base, "max_steps", None), int) and base.max_steps < max_steps:
            base.max_steps = max_steps

    def legal(self, action: Any, mask: list[int] | None) -> bool:
        if not isinstance(action, int) or isinstance(action, bool):
            return False
        if not 0 <= action < self.n_actions:
            return False
        return mask is None or bool(mask[action])

    def legal_list(self, mask: list[int] | None) -> list[int]:
        return [a for a in range(self.n_actions) if mask is None or mask[a]]

    def frame(self, request: FrameRequest | None) -> Any:
        if request is None:
            return None
        rgb = self.adapter.render()
        self.channel.frame_encoding = request.encoding or self.default_encoding
        return None if rgb is None else fit_frame(np.asarray(rgb), request)


def _info(info: dict[str, Any]) -> dict[str, Any]:
    return pack(info) if isinstance(info, dict) else {}


def _pid() -> int:
    import os

    return os.getpid()


__all__ = ["EnvRuntime", "NoLegalAction", "WorkerOptions"]
