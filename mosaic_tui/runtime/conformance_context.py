"""What every conformance check shares: the command and its role, the workers it talks to.

`Context` starts fresh workers or keeps one across checks; `detect_role` tells an env worker
from a decision worker; `INIT_AGENT` and `MASKS` are the standard decision requests, and
`_env_action` / `_finish_episode` play an env worker's episode legally.
"""

from __future__ import annotations

from typing import Any

from mosaic_tui.runtime.worker_session import CheckFailed, CheckTimeouts, Session

ROLES = ("env", "decision")
DEFAULT_ENV_ID = "FrozenLake-v1"  # cheap to build, shipped with Gymnasium
RUN_ID = "conformance"
# A realistic decision: FrozenLake's four moves, a seed, an integer observation.
INIT_AGENT = {
    "cmd": "init_agent",
    "player_id": "agent",
    "game": DEFAULT_ENV_ID,
    "action_space": {"type": "discrete", "n": 4},
    "labels": ["left", "down", "right", "up"],
    "seed": 0,
}
MASKS = ([1, 1, 1, 1], [0, 1, 0, 1], [1, 1, 1, 1], [0, 0, 1, 0], [1, 1, 0, 1], [1, 1, 1, 1])


class Context:
    """What every check needs: the command, its role, and workers to talk to."""

    def __init__(self, argv: list[str], role: str, timeouts: CheckTimeouts) -> None:
        self.argv = argv
        self.role = role
        self.timeouts = timeouts
        self.stray: list[bytes] = []
        self.misechoed: list[str] = []
        self._shared: Session | None = None
        self._sessions: list[Session] = []

    def fresh(self) -> Session:
        """A new worker, its `init` read; killed when the run ends."""
        session = Session(self.argv, self.timeouts, self.stray)
        self._sessions.append(session)
        session.start()
        return session

    def shared(self) -> Session:
        """A worker kept across checks (restarted if a check left it dead or broken)."""
        if self._shared is None or self._shared.proc.poll() is not None:
            self._shared = self.fresh()
            if self.role == "decision":
                try:
                    self._shared.request(INIT_AGENT, "agent_ready")
                except CheckFailed as exc:
                    raise CheckFailed(f"setting up (init_agent, a new worker): {exc}") from None
        return self._shared

    def discard_shared(self) -> None:
        """After a check failed mid-conversation: the next check starts afresh."""
        if self._shared is not None:
            self.misechoed += self._shared.misechoed
            self._shared.kill()
            self._shared = None

    def all_misechoed(self) -> list[str]:
        return self.misechoed + [m for s in self._sessions for m in s.misechoed]

    def close(self) -> None:
        for session in self._sessions:
            session.kill()


def with_run_id(argv: list[str]) -> list[str]:
    """Every worker takes `--run-id` (docs/protocol.md, rule 8): add one unless given."""
    if any(a == "--run-id" or a.startswith("--run-id=") for a in argv):
        return list(argv)
    return [*argv, "--run-id", RUN_ID]


def with_env_id(argv: list[str], env_id: str) -> list[str]:
    if any(a == "--env-id" or a.startswith("--env-id=") for a in argv):
        return list(argv)
    return [*argv, "--env-id", env_id]


def detect_role(argv: list[str], env_id: str, timeouts: CheckTimeouts) -> tuple[str, list[str]]:
    """(role, argv): a worker that answers `init_agent` with `agent_ready` is a decision
    worker, one that answers `reset` with `ready` an env worker. A worker that refuses to
    start for want of `--env-id` is an env worker and gets `--env-id env_id`."""
    session = Session(argv, timeouts, [])
    try:
        try:
            session.start()
        except CheckFailed:
            code = session.wait_exit(2.0)
            if code is not None and "--env-id" in session.log_tail(20):
                return "env", with_env_id(argv, env_id)
            raise
        try:
            answer = session.request(INIT_AGENT)
        except CheckFailed as exc:
            raise CheckFailed(
                f"{exc} (--role env|decision skips the detection and runs every check)"
            ) from None
        if answer.get("type") in ("agent_ready", "agent_initialized"):
            return "decision", argv
        if session.request({"cmd": "reset", "seed": 0}).get("type") == "ready":
            return "env", argv
        raise CheckFailed(
            "the worker answered neither init_agent with agent_ready (a decision worker) nor"
            " reset with ready (an env worker); pass --role to say which it should be"
        )
    finally:
        session.kill()


def _env_action(ready: dict[str, Any]) -> dict[str, Any]:
    """A legal action for whoever moves: the lowest action the mask allows."""

    def lowest(mask: Any) -> int:
        if isinstance(mask, list):
            for i, ok in enumerate(mask):
                if ok:
                    return i
        return 0

    agents = ready.get("agents")
    if agents and not ready.get("agent_to_move") and len(agents) > 1:  # simultaneous
        masks = ready.get("action_masks") or {}
        return {"actions": {a: lowest(masks.get(a)) for a in agents}}
    return {"action": lowest(ready.get("action_mask"))}


def _finish_episode(session: Session, step: dict[str, Any]) -> None:
    """After a terminal step the worker also sends `episode_end`: read it."""
    if step.get("type") == "step" and (step.get("terminated") or step.get("truncated")):
        session.read(waiting_for="episode_end after a terminal step")
