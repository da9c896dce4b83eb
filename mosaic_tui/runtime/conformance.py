"""A conformance kit for worker authors: run the protocol's rules against any worker command.

Like PettingZoo's `api_test` for environments, `check_worker(argv)` starts the worker (several
times: some checks need a fresh process) and reports, check by check, whether it announces
itself, echoes `req`, survives malformed lines, answers `ping` and `stop`, exits on stdin EOF,
is reproducible under a seed and keeps stdout for protocol lines only. Each failure says what
to fix and quotes the offending line. Every read has a timeout and every worker is killed
(its whole process group) at the end, so a hung worker is a failed check, never a hung kit.

Used by `mosaic-tui check-worker -- CMD ...` and, in tests, by `assert_conforms(argv)`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mosaic_tui.protocol import (
    MAX_LINE_BYTES,
    PROTOCOL_VERSION,
    ProtocolError,
    decode_event,
)
from mosaic_tui.runtime.worker_session import (
    CheckFailed,
    CheckTimeouts,
    Session,
    compact,
    shown,
)

ROLES = ("env", "decision")
DEFAULT_ENV_ID = "FrozenLake-v1"  # cheap to build, shipped with Gymnasium
RUN_ID = "conformance"
PASS, FAIL, SKIP = "pass", "fail", "skip"
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
REPRO_SEED = 7
REPRO_STEPS = 12  # a uniformly random worker repeats 12 choices by chance about once in 10^6
REPRO_MASKS = [MASKS[i % 3 * 2] for i in range(REPRO_STEPS)]  # mostly all four legal


@dataclass
class CheckResult:
    name: str
    status: str  # pass, fail or skip
    message: str

    @property
    def passed(self) -> bool:
        return self.status != FAIL


@dataclass
class Report:
    argv: list[str]
    role: str | None
    results: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.passed]


# --------------------------------------------------------------------------- the run


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


# --------------------------------------------------------------------------- the checks


def check_init(ctx: Context) -> str:
    """Starts, and its first stdout line is an `init` naming a protocol and its role."""
    session = ctx.fresh()
    init = session.init or {}
    if "req" in init:
        raise CheckFailed(f"init carries req {init['req']!r}; events nobody asked for carry none")
    protocol = init.get("protocol", 1)
    if protocol > PROTOCOL_VERSION:
        raise CheckFailed(f"init says protocol {protocol}; this kit speaks {PROTOCOL_VERSION}")
    role = init.get("role", "env")
    if role != ctx.role:
        raise CheckFailed(
            f"init says role {role!r} but the worker behaves as a {ctx.role} worker:"
            f' send "role":"{ctx.role}" in init'
        )
    return f"init: protocol {protocol}, role {role!r}, worker {init.get('worker', '')!r}"


def check_role(ctx: Context) -> str:
    """Answers its role's commands with the right events."""
    session = ctx.shared()
    if ctx.role == "decision":
        session.request({"cmd": "reset", "seed": 3}, "ready")
        picked = []
        for mask in MASKS[:2]:
            answer = session.request(
                {
                    "cmd": "select_action",
                    "observation": 0,
                    "info": {},
                    "action_mask": mask,
                    "player_id": "agent",
                    "step_index": len(picked),
                },
                "action_selected",
            )
            action = answer.get("action")
            if (
                not isinstance(action, int)
                or isinstance(action, bool)
                or not (0 <= action < len(mask) and mask[action])
            ):
                raise CheckFailed(
                    f"select_action with action_mask {mask} was answered with action"
                    f" {action!r}: answer an integer the mask allows"
                )
            picked.append(action)
        return f"init_agent → agent_ready, reset → ready, select_action → {picked}"
    ready = session.request({"cmd": "reset", "seed": 0, "auto_reset": False}, "ready")
    step = session.request({"cmd": "step", **_env_action(ready)}, "step")
    _finish_episode(session, step)
    return f"reset → ready, step → step (reward {step.get('reward')!r})"


def check_ping(ctx: Context) -> str:
    """`ping` gets `pong`."""
    ctx.shared().request({"cmd": "ping"}, "pong")
    return "ping → pong"


MALFORMED: dict[str, tuple[bytes, str]] = {
    "not-json": (b"this is not json\n", "a line that is not JSON"),
    "array": (b"[1,2,3]\n", "JSON that is not an object"),
    "no-cmd": (b'{"req":900}\n', 'an object without "cmd"'),
    "unknown-cmd": (b'{"cmd":"fly_to_the_moon","req":901}\n', "an unknown command"),
    "wrong-type": (b'{"cmd":"reset","seed":"one","req":902}\n', "a field of the wrong type"),
    "other-role": (b"", "a command of the other role"),
    "long-line": (b"", f"a line over {MAX_LINE_BYTES} bytes"),
}


def check_malformed(ctx: Context, kind: str) -> str:
    """A malformed line gets one non-fatal `error` (echoing a readable `req`), and the worker
    goes on serving: a `ping` after it gets `pong`."""
    session = ctx.shared()
    line, what = MALFORMED[kind]
    req: int | None = None
    if kind == "other-role":
        req = 903
        cmd = (
            {"cmd": "step", "action": 0}
            if ctx.role == "decision"
            else {"cmd": "select_action", "observation": 0}
        )
        line = json.dumps({**cmd, "req": req}).encode() + b"\n"
    elif kind == "long-line":
        line = b'{"cmd":"stop","pad":"' + b"x" * MAX_LINE_BYTES + b'"}\n'
    else:
        data = json.loads(line) if line.startswith(b"{") else None
        req = data.get("req") if isinstance(data, dict) else None
    session.send_raw(line, timeout=max(ctx.timeouts.reply, 60.0))
    event = session.read(waiting_for=f"an error event answering {what} {shown(line)}")
    if event.get("type") != "error":
        raise CheckFailed(
            f"{what} {shown(line)} was answered by {shown(compact(event))}; answer it with"
            ' {"type":"error","code":"bad_command",...} and keep serving'
        )
    if event.get("fatal"):
        raise CheckFailed(f"{what} got a fatal error {shown(compact(event))}; make it fatal: false")
    if req is not None and event.get("req") != req:
        raise CheckFailed(
            f"the error answering {what} {shown(line)} carries req {event.get('req')!r}:"
            f" echo the line's req ({req}) when it can be read"
        )
    try:
        session.request({"cmd": "ping"}, "pong", what=f"pong to a ping sent after {what}")
    except CheckFailed as exc:
        raise CheckFailed(f"after {what} the worker stopped serving: {exc}") from None
    return f"error {event.get('code', 'error')!r}, then pong"


def check_req_echo(ctx: Context) -> str:
    """Every answer echoes its command's `req` (all the requests of the run so far, too)."""
    session = ctx.shared()
    session.request({"cmd": "ping"})
    if ctx.role == "decision":
        session.request({"cmd": "reset", "seed": 1})
        session.request({"cmd": "select_action", "observation": 0, "action_mask": MASKS[0]})
    else:
        ready = session.request({"cmd": "reset", "seed": 1, "auto_reset": False})
        _finish_episode(session, session.request({"cmd": "step", **_env_action(ready)}))
    wrong = ctx.all_misechoed()
    if wrong:
        more = f" (and {len(wrong) - 1} more)" if len(wrong) > 1 else ""
        raise CheckFailed(f"{wrong[0]}{more}: copy each command's req into every event it causes")
    return f"{session.req} requests, every answer with its req"


def check_stop(ctx: Context) -> str:
    """`stop` gets `stopped`, then the worker exits 0."""
    session = ctx.fresh()
    session.request({"cmd": "stop"}, "stopped")
    code = session.wait_exit(ctx.timeouts.exit)
    if code is None:
        raise CheckFailed(
            f"answered stopped but still runs {ctx.timeouts.exit:g} s later: exit after stopped"
        )
    if code != 0:
        raise CheckFailed(f"exited with code {code} after stop{session.log_tail()}; exit 0")
    return "stop → stopped, exit 0"


def check_eof(ctx: Context) -> str:
    """When stdin closes the worker exits 0, without writing `stopped`."""
    session = ctx.fresh()
    session.close_stdin()
    code = session.wait_exit(ctx.timeouts.exit)
    if code is None:
        raise CheckFailed(
            f"still runs {ctx.timeouts.exit:g} s after stdin closed: exit when stdin reaches EOF"
        )
    left = [line for line in session.events_left() if line.strip()]
    if any(b'"stopped"' in line for line in left):
        raise CheckFailed("wrote stopped at stdin EOF; just exit (stopped answers stop only)")
    if code != 0:
        raise CheckFailed(f"exited with code {code} at stdin EOF{session.log_tail()}; exit 0")
    return "stdin EOF → exit 0"


def check_reproducible(ctx: Context) -> str:
    """The same seed twice gives the same episode (env) or the same actions (decision): once
    in the same worker, once in a new one."""
    first = _seeded_run(ctx.fresh(), ctx.role, reset_twice=True)
    again, second = first
    if again != second:
        raise CheckFailed(
            f"two resets with seed {REPRO_SEED} in one worker differ: {_diff(again, second)};"
            " seed every source of randomness from the reset's seed"
        )
    other = _seeded_run(ctx.fresh(), ctx.role, reset_twice=False)[0]
    if other != again:
        raise CheckFailed(
            f"seed {REPRO_SEED} in two workers differ: {_diff(again, other)}; do not draw"
            " from an unseeded source (time, os.urandom, hash order)"
        )
    return f"seed {REPRO_SEED}: the same {len(again)} results three times"


def check_stdout(ctx: Context) -> str:
    """Nothing but protocol lines on stdout, in every worker the run started."""
    for session in ctx._sessions:  # lines that arrived after the last read count too
        for line in session.events_left(0.05):
            try:
                if line.strip():
                    decode_event(line)
            except ProtocolError:
                ctx.stray.append(line)
    if ctx.stray:
        raise CheckFailed(
            f"{len(ctx.stray)} stdout line(s) are not protocol events, first {shown(ctx.stray[0])}:"
            " move prints to stderr (claim a private copy of stdout, docs/protocol.md rule 1)"
        )
    return "every stdout line was a protocol event"


# --------------------------------------------------------------------------- helpers


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


def _seeded_run(session: Session, role: str, reset_twice: bool) -> list[list[Any]]:
    runs = []
    if role == "decision":
        session.request(INIT_AGENT, "agent_ready")
    for _ in range(2 if reset_twice else 1):
        results: list[Any] = []
        if role == "decision":
            session.request({"cmd": "reset", "seed": REPRO_SEED}, "ready")
            for i, mask in enumerate(REPRO_MASKS):
                answer = session.request(
                    {
                        "cmd": "select_action",
                        "observation": i,
                        "info": {},
                        "action_mask": mask,
                        "player_id": "agent",
                        "step_index": i,
                    },
                    "action_selected",
                )
                results.append(answer.get("action"))
        else:
            event = session.request(
                {"cmd": "reset", "seed": REPRO_SEED, "observe": True, "auto_reset": False},
                "ready",
            )
            results.append(event.get("observation"))
            for _ in range(REPRO_STEPS):
                step = session.request({"cmd": "step", **_env_action(event)}, "step")
                results.append(
                    [step.get("observation"), step.get("reward"), step.get("terminated")]
                )
                if step.get("terminated") or step.get("truncated"):
                    _finish_episode(session, step)
                    break
                event = step
        runs.append(results)
    return runs


def _diff(a: list[Any], b: list[Any]) -> str:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"result {i}: {shown(compact(x))} vs {shown(compact(y))}"
    return f"{len(a)} vs {len(b)} results"


CHECKS: list[tuple[str, Callable[[Context], str]]] = [
    ("init", check_init),
    ("role", check_role),
    ("ping", check_ping),
    *[
        (f"malformed-{kind}", (lambda k: lambda ctx: check_malformed(ctx, k))(kind))
        for kind in MALFORMED
    ],
    ("req-echo", check_req_echo),
    ("stop", check_stop),
    ("eof", check_eof),
    ("reproducible", check_reproducible),
    ("stdout-clean", check_stdout),
]
CHECK_NAMES = [name for name, _ in CHECKS]


def prepare(
    argv: list[str],
    *,
    role: str | None = None,
    env_id: str = DEFAULT_ENV_ID,
    timeouts: CheckTimeouts | None = None,
    add_run_id: bool = True,
) -> tuple[str, list[str]]:
    """(role, the command the checks run): `--run-id` added unless argv has one (or
    `add_run_id` is False); the role detected unless forced; an env worker gets `--env-id`
    unless argv has one. Raises CheckFailed when the role cannot be told."""
    if role is not None and role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    argv = with_run_id(argv) if add_run_id else list(argv)
    if role is None:
        return detect_role(argv, env_id, timeouts or CheckTimeouts())
    return role, (with_env_id(argv, env_id) if role == "env" else argv)


def run_checks(
    argv: list[str], role: str, *, timeouts: CheckTimeouts | None = None, skip: tuple[str, ...] = ()
) -> Iterator[CheckResult]:
    """Run every check on the prepared command `argv` (see `prepare`), yielding each result
    as soon as it is known; the workers it started are killed when it ends."""
    unknown = [name for name in skip if name not in CHECK_NAMES]
    if unknown:
        raise ValueError(f"unknown check(s) {unknown}; the checks are {CHECK_NAMES}")
    ctx = Context(argv, role, timeouts or CheckTimeouts())
    try:
        for name, check in CHECKS:
            if name in skip:
                yield CheckResult(name, SKIP, "skipped on request")
                continue
            try:
                yield CheckResult(name, PASS, check(ctx))
            except CheckFailed as exc:
                ctx.discard_shared()
                yield CheckResult(name, FAIL, str(exc))
            except Exception as exc:  # a bug in the kit must not hide the other checks
                ctx.discard_shared()
                yield CheckResult(name, FAIL, f"the check crashed: {type(exc).__name__}: {exc}")
    finally:
        ctx.close()


def check_worker(
    argv: list[str],
    *,
    role: str | None = None,
    env_id: str = DEFAULT_ENV_ID,
    timeouts: CheckTimeouts | None = None,
    add_run_id: bool = True,
    skip: tuple[str, ...] = (),
) -> Report:
    """Every check's result for the worker command `argv` (a failed role detection is one
    failed result)."""
    try:
        role, command = prepare(
            argv, role=role, env_id=env_id, timeouts=timeouts, add_run_id=add_run_id
        )
    except CheckFailed as exc:
        return Report(list(argv), role, [CheckResult("role-detection", FAIL, str(exc))])
    report = Report(command, role)
    report.results = list(run_checks(command, role, timeouts=timeouts, skip=skip))
    return report


def assert_conforms(argv: list[str], **options: Any) -> Report:
    """For a worker author's tests: raise AssertionError listing every failed check.

    `assert_conforms([sys.executable, "-m", "my_worker"])`; options as for `check_worker`.
    """
    report = check_worker(argv, **options)
    if not report.passed:
        lines = [f"{r.name}: {r.message}" for r in report.failures()]
        raise AssertionError(
            f"{' '.join(report.argv)} breaks the worker protocol:\n  " + "\n  ".join(lines)
        )
    return report
