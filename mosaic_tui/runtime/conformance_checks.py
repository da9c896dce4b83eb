"""The conformance checks of a worker's conversation: its `init`, its role's commands, `ping`,
malformed lines, `req` echoes, `stop`, stdin EOF and a clean stdout.

Each check takes the `Context` and returns what it saw, or raises `CheckFailed` saying what
to fix and quoting the offending line.
"""

from __future__ import annotations

import json

from mosaic_tui.protocol import (
    MAX_LINE_BYTES,
    PROTOCOL_VERSION,
    ProtocolError,
    decode_event,
)
from mosaic_tui.runtime.conformance_context import (
    MASKS,
    Context,
    _env_action,
    _finish_episode,
)
from mosaic_tui.runtime.worker_session import CheckFailed, compact, shown


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
