"""The environment worker: owns one env, steps it when told, or drives it with a baseline.

Driven mode: `step {action}` applies the app's action. Self-driving mode: `step {}` lets the
built-in baseline act, and `run {episodes}` streams whole episodes without a round trip per
step. An illegal action is refused with an `error` naming it; it is never silently replaced.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np
from worker_common.policies import BaselinePolicy, NoLegalAction, TrainedPolicy

from env_worker.adapters import AecAdapter, GymAdapter, ParallelAdapter, lift_step_limits
from env_worker.boards import named_moves, text_board
from env_worker.episode import Episode, Stopping, WorkerOptions
from env_worker.stepping import Refused, Simultaneous, TurnBased
from env_worker.streaming import run as stream_episodes
from mosaic_tui.protocol import (
    PROTOCOL_VERSION,
    Command,
    EpisodeEnd,
    Error,
    FrameRequest,
    Init,
    Ping,
    Pong,
    Progress,
    ProtocolError,
    Ready,
    Reset,
    Run,
    Step,
    StepResult,
    Stop,
    Stopped,
    fit_frame,
    limits,
    pack,
)
from mosaic_tui.protocol.messages import Render, Rendered
from mosaic_tui.protocol.stdio import WorkerChannel
from mosaic_tui.protocol.stepping import SteppingParadigm

WORKER_NAME = "env_worker"
LEGAL_LIST_ABOVE = 64  # actions; beyond this a 0/1 mask costs more than the legal indices


ADAPTERS = {
    SteppingParadigm.SINGLE_AGENT: GymAdapter,
    SteppingParadigm.SEQUENTIAL: AecAdapter,
    SteppingParadigm.SIMULTANEOUS: ParallelAdapter,
}


class EnvRuntime:
    """Serves one env: resets, steps (checked by its stepper), streamed runs."""

    def __init__(
        self,
        channel: WorkerChannel,
        options: WorkerOptions,
        env: Any,
        make: Callable[[], Any] | None = None,
    ) -> None:
        """`make` builds a fresh env like `env`: a reset the env refused may have left it
        half reset (Gymnasium's checkers then fail every step), so it is replaced."""
        from mosaic_tui.envs import action_labels, discrete_size, noop_action

        self.channel = channel
        self.options = options
        self.env = env
        self.make = make
        self.adapter: GymAdapter | AecAdapter | ParallelAdapter = ADAPTERS[options.stepping](env)
        self.n_actions = discrete_size(self.adapter.action_space)
        self.labels = (
            action_labels(None, self.n_actions, options.env_id)  # profile labels, or numbers
            if options.stepping == SteppingParadigm.SEQUENTIAL
            else action_labels(env, self.n_actions, options.env_id)
        )
        self.noop = noop_action(self.labels)
        self.policy: BaselinePolicy | TrainedPolicy = BaselinePolicy(
            options.policy, self.n_actions, self.noop
        )
        if options.policy_path is not None:
            if self.adapter.multi:
                raise ValueError(
                    f"--policy-path plays one player; {options.env_id} has"
                    f" {len(self.adapter.agents)} (give each an rl_worker instead)"
                )
            space = getattr(self.env, "observation_space", None)
            self.policy = TrainedPolicy(
                options.policy_path,
                self.n_actions,
                sample=options.policy_mode == "sample",
                seed=options.policy_seed,
                n_states=int(space.n) if type(space).__name__ == "Discrete" else None,
            )
            trained_on = self.policy.policy.task
            if trained_on and trained_on != options.env_id:  # as rl_worker says it: in the log
                print(
                    f"{WORKER_NAME}: {options.policy_path} was trained on {trained_on};"
                    f" playing {options.env_id}",
                    file=sys.stderr,
                )
        self.stepper: TurnBased | Simultaneous = (
            Simultaneous(self) if self.adapter.parallel else TurnBased(self)
        )
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
                or getattr(getattr(self.env, "unwrapped", None), "max_steps", None),
                stepping=self.options.stepping,
                teams=getattr(self.adapter, "teams", None),
                env_settings=self.options.env_settings or None,
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
            elif isinstance(cmd, Render):
                self.render(cmd)
            elif isinstance(cmd, Run):
                stream_episodes(self, cmd)
            elif isinstance(cmd, Ping):
                self.channel.send(Pong(req=req))
            elif isinstance(cmd, Stop):
                self.channel.send(Stopped(req=req))
                raise Stopping
            else:
                self.fail(
                    f"{WORKER_NAME} does not answer {cmd.kind!r}; it owns an environment"
                    " (send reset, step, render, run, ping or stop)",
                    "bad_command",
                    cmd.kind,
                    req,
                )
        except Stopping:
            raise
        except limits.BadCommand as exc:  # refused before the env was touched
            self.fail(str(exc), "bad_command", cmd.kind, req)
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
            limits.seed(cmd.seed),
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
        lift_step_limits(self.env, max_steps)
        if self.episodes_started == 0 and self.options.warm_up:
            self.channel.send(Progress(message=self.options.warm_up, req=req))
        self.episode = None  # until this reset succeeds: a step is refused as not_reset
        try:
            obs, info, mask, to_move = self.adapter.reset(seed)
        except Exception:
            self.rebuild()
            raise
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
        if self.adapter.parallel:
            ep.live, ep.masks = list(self.adapter.live), self.adapter.masks
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
                agents=ep.live,
                action_masks=ep.masks,
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
        if cmd.actions and (bad := self.unknown_agents(cmd.actions)):
            self.fail(bad, "unknown_agent", "step", cmd.req)
            return
        try:
            actions = self.stepper.actions(ep, cmd)
        except Refused as refused:
            self.fail(str(refused), refused.code, "step", cmd.req)
            return
        self.advance(ep, actions, cmd.req, skip_frame=bool(cmd.skip_frame))

    def render(self, cmd: Render) -> None:
        """The current picture again, no step: where a stream that skipped frames stopped."""
        ep = self.episode
        if ep is None:
            self.fail("render refused: no episode yet; send reset first", "not_reset",
                      "render", cmd.req)  # fmt: skip
            return
        frame = self.frame(cmd.frame or ep.frame)
        self.channel.send(Rendered(episode=ep.index, step_index=ep.t, frame=frame, req=cmd.req))

    def unknown_agents(self, actions: dict[str, Any]) -> str | None:
        unknown = sorted(set(actions) - set(self.adapter.agents))
        if not unknown:
            return None
        return (
            f"unknown agent(s) {', '.join(unknown)}: this env's agents are"
            f" {', '.join(self.adapter.agents)}"
        )

    def illegal(self, action: Any, mask: list[int] | None, who: str | None) -> str:
        by = f" by {who}" if who else ""
        names = ", ".join(self.labels) if len(self.labels) <= 20 else "see init"
        return f"illegal action {action!r}{by}: legal actions are {self.legal_list(mask)} ({names})"

    def advance(
        self,
        ep: Episode,
        action: Any,
        req: int | None,
        frame: bool = True,
        skip_frame: bool = False,
    ) -> bool:
        """Apply one action (simultaneous games: one per agent); True when the episode ended.

        `frame` False: nothing for eyes (no picture, board or move names: a headless stream).
        `skip_frame`: no picture, unless this step ends the episode (its last picture is
        always sent); the board and move names come as usual, for players and the pane."""
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
        ep.live, ep.masks = out.live, out.masks
        ep.done = bool(terminated or truncated)
        joint = isinstance(action, dict)
        self.channel.send(
            StepResult(
                step_index=ep.t,
                episode=ep.index,
                action=None if joint else action,
                actions=action if joint else None,
                reward=reward,
                terminated=bool(terminated),
                truncated=bool(truncated),
                episode_return=ep.total,
                frame=self.frame(ep.frame) if frame and (ep.done or not skip_frame) else None,
                **self.legal_fields(ep.mask),
                agent=out.agent if self.adapter.multi else None,
                rewards=out.rewards,
                agent_to_move=None if ep.done else ep.to_move,
                agents=None if ep.done else ep.live,
                action_masks=None if ep.done else ep.masks,
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

    # ------------------------------------------------------------------ helpers

    def rebuild(self) -> None:
        """A fresh env in place of one whose reset failed (the error is reported anyway)."""
        if self.make is None:
            return
        old = self.env
        try:
            self.env = self.make()
        except Exception:  # keep the old one: the next reset reports what is wrong
            traceback.print_exc()
            return
        self.adapter = ADAPTERS[self.options.stepping](self.env)
        try:
            old.close()
        except Exception:
            traceback.print_exc()

    def legal_fields(self, mask: list[int] | None) -> dict[str, list[int] | None]:
        """A mask for small action spaces; the legal indices for big ones (chess: 4,672)."""
        if mask is not None and len(mask) > LEGAL_LIST_ABOVE:
            return {"legal_actions": np.flatnonzero(mask).tolist()}
        return {"action_mask": mask}

    def shown(self, ep: Episode) -> bool:
        """Boards and move names are for eyes (a frame is asked for) or for an observing
        decision-maker; a headless stream skips them (SAN for every legal move is costly)."""
        return (
            self.adapter.multi
            and not self.adapter.parallel
            and (ep.frame is not None or ep.observe)
        )

    def board(self, ep: Episode) -> list[str] | None:
        return text_board(self.options.env_id, self.env) if self.shown(ep) else None

    def moves(self, ep: Episode) -> dict[str, int] | None:
        if not self.shown(ep):
            return None
        return named_moves(self.options.env_id, self.env, ep.mask, ep.to_move)

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
