"""The RL decision worker: one player's actions from a trained policy (worker_common/trained.py).

`init_agent` checks that the policy fits the player (its action count); each
`select_action` scores the observation and answers the best legal action (or samples one
from the softmax of the scores, with `--mode sample`, seeded by each reset). A policy that
does not fit an observation is a `policy_mismatch` error naming both sides.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from worker_common.trained import Policy, PolicyError, probabilities

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
    unpack,
)
from mosaic_tui.protocol.settings import add_arguments
from mosaic_tui.protocol.stdio import WorkerChannel
from mosaic_tui.protocol.worker_settings import RL_WORKER
from rl_worker.checkpoints import load_policy

WORKER_NAME = "rl_worker"


class RlRuntime:
    def __init__(
        self, channel: WorkerChannel, run_id: str, policy: Policy, args: argparse.Namespace
    ) -> None:
        self.channel = channel
        self.run_id = run_id
        self.policy = policy
        self.sample = args.mode == "sample"
        self.keep = args.record == "probabilities"  # each decision's probabilities, recorded
        self.seed = args.seed
        self.rng = np.random.default_rng(args.seed)
        self.player_id = args.player_id
        self.labels: list[str] = []
        self.ready = False

    def serve(self) -> int:
        return self.channel.serve_decisions(WORKER_NAME, self.run_id, self.handle)

    def handle(self, cmd: Command) -> None:
        req = getattr(cmd, "req", None)
        if isinstance(cmd, Ping):
            self.channel.send(Pong(req=req))
        elif isinstance(cmd, InitAgent):
            n = limits.action_count(cmd.action_space, cmd.labels)
            if n != self.policy.n_actions:
                self.fail(
                    f"{self.policy.path} has {self.policy.n_actions} actions; {cmd.player_id}"
                    f" of {cmd.game or 'this game'} has {n}",
                    "policy_mismatch",
                    cmd,
                )
                return
            if self.policy.task and cmd.game and self.policy.task != cmd.game:
                print(
                    f"{WORKER_NAME}: {self.policy.path} was trained on {self.policy.task};"
                    f" playing {cmd.game}",
                    file=sys.stderr,
                )
            self.player_id = cmd.player_id
            self.labels = list(limits.strings("labels", cmd.labels) or [])
            self.ready = True
            self.channel.send(AgentReady(player_id=cmd.player_id, worker=WORKER_NAME, req=req))
        elif not self.ready:
            self.fail(f"{cmd.kind!r} before init_agent; send init_agent first", "not_ready", cmd)
        elif isinstance(cmd, Reset):
            seed = limits.seed(cmd.seed)
            self.rng = np.random.default_rng(seed if seed is not None else self.seed)
            self.channel.send(Ready(run_id=self.run_id, seed=cmd.seed, req=req))
        elif isinstance(cmd, SelectAction):
            mask = limits.select_action(cmd, self.policy.n_actions)
            try:
                observation = unpack(cmd.observation)
                action, scores = self.policy.act(observation, mask, self.rng, self.sample)
            except PolicyError as exc:
                self.fail(str(exc), "policy_mismatch", cmd)
                return
            except ValueError as exc:  # a malformed packed observation: the sender's fault
                raise limits.BadCommand(f"observation: {exc}"[:300]) from None
            label = self.labels[action] if action < len(self.labels) else str(action)
            record = None
            if self.keep:
                record = {
                    "probabilities": [round(float(p), 5) for p in probabilities(scores, mask)],
                    "mode": "sampled" if self.sample else "greedy",
                }
            self.channel.send(
                ActionSelected(
                    action=action,
                    player_id=self.player_id,
                    reason=f"{'sampled' if self.sample else 'greedy'}: score {scores[action]:.3g}",
                    action_str=label,
                    record=record,
                    req=req,
                )
            )
        else:
            self.fail(
                f"{WORKER_NAME} does not answer {cmd.kind!r}; it is a decision worker",
                "bad_command",
                cmd,
            )

    def fail(self, message: str, code: str, cmd: Command) -> None:
        self.channel.send(
            Error(message=message, code=code, cmd=cmd.kind, req=getattr(cmd, "req", None))
        )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m rl_worker",
        description="mosaic-tui RL decision worker: one player's actions from a trained policy"
        " (.npz: a Q-table or an MLP; stable-baselines3 .zip; CleanRL checkpoint).",
    )
    p.add_argument("--run-id", required=True, help="run id of the operator this player is in")
    p.add_argument("--player-id", default="agent", help="agent slot this worker plays")
    add_arguments(p, RL_WORKER)  # --policy-path, --mode, ...: declared once
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    channel = WorkerChannel()
    try:
        policy = load_policy(args.policy_path, trust=args.trust == "yes")
    except PolicyError as exc:
        channel.send(Error(message=str(exc), code="start_failed", fatal=True))
        return 2
    except Exception as exc:  # a file the checks above did not foresee: say so, do not crash
        message = f"{args.policy_path}: cannot read this policy ({type(exc).__name__}: {exc})"
        channel.send(Error(message=message[:400], code="start_failed", fatal=True))
        return 2
    print(
        f"{WORKER_NAME}: {policy.kind} policy {policy.path}: {policy.n_inputs} inputs,"
        f" {policy.n_actions} actions, trained on {policy.task or 'an unnamed task'}"
        + (f" ({policy.note})" if policy.note else ""),
        file=sys.stderr,
    )
    return RlRuntime(channel, args.run_id, policy, args).serve()


if __name__ == "__main__":
    sys.exit(main())
