"""The conformance kit: it passes every shipped worker and a minimal third-party one, and fails
broken stand-ins with a message that names the fault, without ever hanging."""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from llm_worker.mock_server import start as mock_endpoint

from mosaic_tui.runtime.conformance import (
    CHECK_NAMES,
    FAIL,
    PASS,
    SKIP,
    CheckTimeouts,
    Report,
    assert_conforms,
    check_worker,
)

PY = sys.executable
FAST = CheckTimeouts(start=30.0, reply=10.0, exit=3.0)

# A third-party decision worker in plain Python (no mosaic_tui import), with one fault at a
# time switched on by its first argument. With "none" it follows every rule.
STANDIN = r'''
import json, os, random, sys

LIMIT = 32 * 1024 * 1024
fault = sys.argv[1]
out = os.fdopen(os.dup(1), "wb", buffering=0)  # the protocol's private stdout
os.dup2(2, 1)  # print() goes to stderr


def send(event):
    out.write(json.dumps(event).encode() + b"\n")


send({"type": "init", "protocol": 1, "worker": "standin", "role": "decision"})
rng = random.Random(0)
while True:
    line = sys.stdin.buffer.readline(LIMIT + 1)
    if not line:
        sys.exit(0)
    if len(line) > LIMIT and not line.endswith(b"\n"):
        while (chunk := sys.stdin.buffer.readline(1 << 20)) and not chunk.endswith(b"\n"):
            pass
        send({"type": "error", "code": "bad_command", "message": "line too long"})
        continue
    if not line.strip():
        continue
    try:
        cmd = json.loads(line)
    except ValueError:
        if fault == "crash-on-malformed":
            raise
        send({"type": "error", "code": "bad_command", "message": "not JSON"})
        continue
    req = cmd.get("req") if isinstance(cmd, dict) else None

    def reply(**event):
        if req is not None and fault != "no-req":
            event["req"] = req
        send(event)

    kind = cmd.get("cmd") if isinstance(cmd, dict) else None
    try:
        if kind == "ping":
            reply(type="pong")
        elif kind == "stop":
            reply(type="stopped")
            if fault != "ignore-stop":
                sys.exit(0)
        elif kind == "init_agent":
            n = cmd["action_space"]["n"]
            reply(type="agent_ready", player_id=cmd.get("player_id", "agent"))
        elif kind == "reset":
            seed = cmd.get("seed")
            if seed is not None and type(seed) is not int:
                raise ValueError("seed must be int")
            rng = random.Random() if fault == "unseeded" else random.Random(seed)
            reply(type="ready", seed=seed)
        elif kind == "select_action":
            if fault == "junk":
                out.write(b"thinking about it...\n")
            mask = cmd.get("action_mask") or [1] * n
            reply(type="action_selected", action=rng.choice([a for a, ok in enumerate(mask) if ok]))
        elif kind == "mute":
            pass
        else:
            reply(type="error", code="bad_command", message=f"unknown cmd {kind!r}")
    except (KeyError, ValueError, TypeError, NameError) as exc:
        reply(type="error", code="bad_command", message=str(exc))
'''

MUTE = r'''
import json, sys
print(json.dumps({"type": "init", "protocol": 1, "worker": "mute", "role": "decision"}), flush=True)
for line in sys.stdin:  # reads everything, answers nothing, ignores EOF
    pass
import time
time.sleep(600)
'''


@pytest.fixture
def standin(tmp_path: Path):
    """standin(fault) -> the argv of the stand-in worker with that fault."""
    script = tmp_path / "standin_worker.py"
    script.write_text(STANDIN)
    return lambda fault="none": [PY, str(script), fault]


def results(report: Report) -> dict[str, tuple[str, str]]:
    return {r.name: (r.status, r.message) for r in report.results}


def failed(report: Report) -> set[str]:
    return {r.name for r in report.results if r.status == FAIL}


def assert_all_pass(report: Report) -> None:
    assert [r.name for r in report.results] == CHECK_NAMES
    assert not failed(report), {r.name: r.message for r in report.failures()}


# --------------------------------------------------------------------------- shipped workers


def test_baseline_worker_conforms() -> None:
    report = check_worker([PY, "-m", "baseline_worker"])
    assert report.role == "decision"
    assert_all_pass(report)


def test_env_worker_conforms_and_gets_an_env_id() -> None:
    report = check_worker([PY, "-m", "env_worker"])
    assert report.role == "env"  # detected: it would not start without --env-id
    assert report.argv[-2:] == ["--env-id", "FrozenLake-v1"]
    assert_all_pass(report)


def test_env_worker_conforms_on_a_turn_based_game() -> None:
    assert_all_pass(check_worker([PY, "-m", "env_worker", "--env-id", "tictactoe_v3"], role="env"))


def test_llm_worker_conforms_against_the_mock_endpoint() -> None:
    # "first": the mock answers the first legal action, so the worker is deterministic.
    server, url = mock_endpoint("first")
    try:
        report = check_worker(
            [PY, "-m", "llm_worker", "--model", "mock", "--base-url", url, "--timeout", "5"]
        )
    finally:
        server.shutdown()
    assert report.role == "decision"
    assert_all_pass(report)


# --------------------------------------------------------------------------- stand-ins


def test_a_minimal_third_party_worker_conforms(standin) -> None:
    report = assert_conforms(standin("none"), timeouts=FAST)
    assert report.role == "decision"
    assert all(r.status == PASS for r in report.results)


def test_a_worker_that_does_not_echo_req_fails(standin) -> None:
    report = check_worker(standin("no-req"), timeouts=FAST)
    status, message = results(report)["req-echo"]
    assert status == FAIL
    assert "with req None" in message and "copy each command's req" in message
    # The faults it does not have are not blamed on it.
    assert {"init", "ping", "stop", "eof", "reproducible", "stdout-clean"}.isdisjoint(
        failed(report)
    )


def test_a_worker_that_crashes_on_a_malformed_line_fails(standin) -> None:
    report = check_worker(standin("crash-on-malformed"), timeouts=FAST)
    status, message = results(report)["malformed-not-json"]
    assert status == FAIL
    assert "closed stdout (exit code 1)" in message
    assert "JSONDecodeError" in message  # the tail of its stderr, quoted
    # The kit restarts it for the next checks: those it passes still pass.
    assert results(report)["malformed-unknown-cmd"][0] == PASS
    assert results(report)["stop"][0] == PASS


def test_a_worker_that_prints_junk_to_stdout_fails(standin) -> None:
    report = check_worker(standin("junk"), role="decision", timeouts=FAST)
    assert "stdout-clean" in failed(report)
    message = results(report)["stdout-clean"][1]
    assert "'thinking about it...'" in message and "stderr" in message
    assert "'thinking about it...'" in results(report)["role"][1]


def test_a_worker_that_ignores_stop_fails(standin) -> None:
    began = time.monotonic()
    # exit=1.5: the wait for a worker that never exits (a healthy one exits in milliseconds)
    report = check_worker(standin("ignore-stop"), timeouts=replace(FAST, exit=1.5))
    status, message = results(report)["stop"]
    assert status == FAIL
    assert "still runs 1.5 s later" in message
    assert failed(report) == {"stop"}
    assert time.monotonic() - began < 60  # generous: the kit never waits on it for long


def test_a_worker_that_is_not_reproducible_fails(standin) -> None:
    report = check_worker(standin("unseeded"), timeouts=FAST)
    status, message = results(report)["reproducible"]
    assert status == FAIL
    assert "two resets with seed 7 in one worker differ" in message
    assert failed(report) == {"reproducible"}


def test_a_hung_worker_is_a_failure_not_a_hung_kit(tmp_path: Path) -> None:
    script = tmp_path / "mute.py"
    script.write_text(MUTE)
    began = time.monotonic()
    report = check_worker(
        [PY, str(script)], role="decision", timeouts=CheckTimeouts(start=10, reply=0.4, exit=0.4)
    )
    # it never answers, so every wait is a whole timeout: about 20 of them
    assert time.monotonic() - began < 90  # generous on a busy box
    assert failed(report) >= {"role", "ping", "stop", "eof", "reproducible"}
    assert "no answer within 0.4 s" in results(report)["ping"][1]
    assert "still runs 0.4 s after stdin closed" in results(report)["eof"][1]


def test_assert_conforms_lists_every_failure(standin) -> None:
    with pytest.raises(AssertionError) as caught:
        assert_conforms(standin("unseeded"), timeouts=FAST)
    assert "breaks the worker protocol" in str(caught.value)
    assert "reproducible:" in str(caught.value)


def test_skipped_checks_are_reported_as_skipped(standin) -> None:
    report = check_worker(standin("unseeded"), timeouts=FAST, skip=("reproducible",))
    assert results(report)["reproducible"] == (SKIP, "skipped on request")
    assert report.passed
    with pytest.raises(ValueError, match="unknown check"):
        check_worker(standin("none"), timeouts=FAST, skip=("bogus",))


def test_a_command_that_does_not_start_is_reported(tmp_path: Path) -> None:
    report = check_worker([str(tmp_path / "no-such-worker")])
    assert not report.passed
    assert report.results[0].name == "role-detection"
    assert "could not start" in report.results[0].message


def test_the_example_worker_in_the_protocol_doc_conforms(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
    begin = doc.index('"""Decision worker that always plays the lowest legal action."""')
    script = tmp_path / "first_legal_worker.py"
    script.write_text(doc[begin : doc.index("```", begin)])
    report = assert_conforms([PY, str(script)], timeouts=FAST)
    assert report.role == "decision"
