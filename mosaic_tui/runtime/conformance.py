"""A conformance kit for worker authors: run the protocol's rules against any worker command.

Like PettingZoo's `api_test` for environments, `check_worker(argv)` starts the worker (several
times: some checks need a fresh process) and reports, check by check, whether it announces
itself, echoes `req`, survives malformed lines, answers `ping` and `stop`, exits on stdin EOF,
is reproducible under a seed and keeps stdout for protocol lines only. Each failure says what
to fix and quotes the offending line. Every read has a timeout and every worker is killed
(its whole process group) at the end, so a hung worker is a failed check, never a hung kit.

Used by `mosaic-tui check-worker -- CMD ...` and, in tests, by `assert_conforms(argv)`.

The checks live in `conformance_checks` and `conformance_reproducible`, what they share (the
`Context`, role detection) in `conformance_context`; this module runs them and re-exports
their public names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mosaic_tui.runtime.conformance_checks import (
    MALFORMED,
    check_eof,
    check_init,
    check_malformed,
    check_ping,
    check_req_echo,
    check_role,
    check_stdout,
    check_stop,
)
from mosaic_tui.runtime.conformance_context import (
    DEFAULT_ENV_ID,
    INIT_AGENT,
    MASKS,
    ROLES,
    RUN_ID,
    Context,
    detect_role,
    with_env_id,
    with_run_id,
)
from mosaic_tui.runtime.conformance_reproducible import (
    REPRO_MASKS,
    REPRO_SEED,
    REPRO_STEPS,
    check_reproducible,
)
from mosaic_tui.runtime.worker_session import CheckFailed, CheckTimeouts

__all__ = [
    "CHECKS",
    "CHECK_NAMES",
    "DEFAULT_ENV_ID",
    "FAIL",
    "INIT_AGENT",
    "MALFORMED",
    "MASKS",
    "PASS",
    "REPRO_MASKS",
    "REPRO_SEED",
    "REPRO_STEPS",
    "ROLES",
    "RUN_ID",
    "SKIP",
    "CheckFailed",
    "CheckResult",
    "CheckTimeouts",
    "Context",
    "Report",
    "assert_conforms",
    "check_eof",
    "check_init",
    "check_malformed",
    "check_ping",
    "check_reproducible",
    "check_req_echo",
    "check_role",
    "check_stdout",
    "check_stop",
    "check_worker",
    "detect_role",
    "prepare",
    "run_checks",
    "with_env_id",
    "with_run_id",
]

PASS, FAIL, SKIP = "pass", "fail", "skip"


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
