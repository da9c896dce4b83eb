"""The baseline decision worker: picks one player's actions, owns no environment.

`init_agent` says which player and how many actions; `reset {seed}` reseeds (same seed, same
actions); `select_action {action_mask}` answers with a legal action only.
"""

from __future__ import annotations

import argparse
import sys

from worker_common.policies import BaselinePolicy, NoLegalAction

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
    reference,
)
from mosaic_tui.protocol.settings import add_arguments
from mosaic_tui.protocol.stdio import Streams, WorkerChannel
from mosaic_tui.protocol.worker_settings import BASELINE_WORKER

WORKER_NAME = "baseline_worker"


class BaselineRuntime:
    def __init__(
        self,
        channel: WorkerChannel,
        run_id: str,
        player_id: str,
        behavior: str,
        seed: int | None,
        task: str | None = None,
    ) -> None:
        self.channel = channel
        self.run_id = run_id
        self.player_id = player_id
        self.behavior = behavior
        self.seed = seed
        self.task = task  # the reference's --task: where its init_agent's actions come from
        self.policy: BaselinePolicy | None = None
        self.labels: list[str] = []  # the action labels init_agent gave, for action_str

    def serve(self) -> int:
        return self.channel.serve_decisions(WORKER_NAME, self.run_id, self.handle)

    def handle(self, cmd: Command) -> None:
        req = getattr(cmd, "req", None)
        if isinstance(cmd, Ping):
            self.channel.send(Pong(req=req))
        elif isinstance(cmd, InitAgent):
            space = cmd.action_space
            if not space and not cmd.labels:  # the reference GUI sends neither
                if not self.task:
                    raise limits.BadCommand(
                        "init_agent gives no action_space or labels: send them, or start"
                        f" {WORKER_NAME} with --task TASK to take them from the task"
                    )
                space = {"n": task_actions(self.task, cmd.player_id)}
            n = limits.action_count(space, cmd.labels)
            seed = limits.seed(cmd.seed if cmd.seed is not None else self.seed)
            self.policy = BaselinePolicy(self.behavior, n, cmd.noop_action)
            self.player_id = cmd.player_id
            self.labels = list(limits.strings("labels", cmd.labels) or [])
            self.policy.reset(seed)
            team = f" (team {cmd.team})" if cmd.team else ""
            print(  # to the log: what this player was told (a scripted baseline ignores it)
                f"{WORKER_NAME}: playing {cmd.player_id}{team} in {cmd.game or 'a game'}"
                f" with env settings {cmd.env_settings or {}}",
                file=sys.stderr,
            )
            if self.policy.note:
                print(f"{WORKER_NAME}: {self.policy.note}", file=sys.stderr)
            self.channel.send(AgentReady(player_id=self.player_id, worker=WORKER_NAME, req=req))
        elif self.policy is None:
            self.fail(
                f"{cmd.kind!r} before init_agent; send init_agent first", "not_ready", cmd.kind, req
            )
        elif isinstance(cmd, Reset):
            self.policy.reset(limits.seed(cmd.seed))
            self.channel.send(Ready(run_id=self.run_id, seed=cmd.seed, req=req))
        elif isinstance(cmd, SelectAction):
            mask = limits.select_action(cmd, self.policy.n_actions)
            try:
                action = self.policy.act(mask)
            except NoLegalAction as exc:
                self.fail(f"{exc} for player {self.player_id}", "no_legal_action", cmd.kind, req)
                return
            self.channel.send(
                ActionSelected(
                    action=action,
                    player_id=self.player_id,
                    reason=self.policy.note,
                    action_str=self.name_of(action, cmd.moves),
                    req=req,
                )
            )
        else:
            self.fail(
                f"{WORKER_NAME} does not answer {cmd.kind!r}; it is a decision worker"
                " (send init_agent, reset, select_action, ping or stop)",
                "bad_command",
                cmd.kind,
                req,
            )

    def name_of(self, action: int, moves: dict[str, int] | None) -> str:
        """The action as a person names it (the reference's `action_str`): its move name in a
        board game, else its label, else its number."""
        named = [name for name, a in (moves or {}).items() if a == action]
        if named:
            return min(named, key=len)
        return self.labels[action] if 0 <= action < len(self.labels) else str(action)

    def fail(self, message: str, code: str, cmd: str, req: int | None) -> None:
        self.channel.send(Error(message=message, code=code, cmd=cmd, req=req))


def task_actions(task: str, player_id: str) -> int:
    """How many actions `player_id` has in `task`, from the env itself (the reference GUI's
    `init_agent` names only the game and the player)."""
    from mosaic_tui.envs import make_env

    env = make_env(task, render_mode=None)
    try:
        space = env.action_space(player_id) if callable(env.action_space) else env.action_space
        n = getattr(space, "n", None)
        if n is None:
            raise limits.BadCommand(f"{task}'s actions are not a numbered set; {WORKER_NAME}"
                                    " plays discrete action spaces")  # fmt: skip
        return int(n)
    finally:
        env.close()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m baseline_worker",
        description="mosaic-tui baseline decision worker: answers select_action for one player"
        " with a scripted behaviour, speaking the JSON-lines protocol on stdin/stdout.",
    )
    p.add_argument("--run-id", required=True, help="run id of the operator this player is in")
    p.add_argument("--player-id", default="agent", help="agent slot this worker plays")
    add_arguments(p, BASELINE_WORKER)  # --behavior, --seed: declared once
    # the reference GUI's random-worker command line: --task gives init_agent's actions
    reference.add_arguments(p, WORKER_NAME)
    return p


def main(argv: list[str] | None = None, *, streams: Streams | None = None) -> int:
    """`streams` (stdin, stdout) serve the protocol elsewhere than on this process's own
    pipes: a test harness running the worker in-process does."""
    args = parser().parse_args(argv)
    channel = WorkerChannel(*(streams or (None, None)))
    runtime = BaselineRuntime(
        channel, args.run_id, args.player_id, args.behavior, args.seed, task=args.task
    )
    return runtime.serve()


if __name__ == "__main__":
    sys.exit(main())
