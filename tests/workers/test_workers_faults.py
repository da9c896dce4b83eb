"""A decision worker that is SIGKILLed, SIGSTOPped, or writes garbage or an over-long line on
stdout is reported by name; the other operators of the same run finish their episodes."""

from __future__ import annotations

import asyncio
import dataclasses
import textwrap
from pathlib import Path

import pytest

import mosaic_tui.runtime.runner as runner_module
from mosaic_tui.experiments import parse, run_experiment
from mosaic_tui.runtime import CATALOG, SettingSpec, WorkerDefinition
from mosaic_tui.telemetry import TelemetryStore

FAULTY = textwrap.dedent("""
    \"\"\"A stand-in decision worker that misbehaves at its first select_action.\"\"\"
    import argparse, json, os, signal, sys
    p = argparse.ArgumentParser()
    p.add_argument("--run-id"); p.add_argument("--player-id"); p.add_argument("--mode")
    args = p.parse_args()
    def out(event):
        sys.stdout.write(json.dumps(event) + "\\n"); sys.stdout.flush()
    out({"type": "init", "protocol": 1, "worker": "faulty_worker", "role": "decision"})
    for line in sys.stdin:
        cmd = json.loads(line)
        req = cmd.get("req")
        if cmd["cmd"] == "init_agent":
            out({"type": "agent_ready", "player_id": cmd["player_id"], "req": req})
        elif cmd["cmd"] == "reset":
            out({"type": "ready", "req": req})
        elif cmd["cmd"] == "stop":
            out({"type": "stopped", "req": req}); break
        elif cmd["cmd"] == "select_action":
            if args.mode == "sigkill":
                os.kill(os.getpid(), signal.SIGKILL)
            elif args.mode == "sigstop":
                os.kill(os.getpid(), signal.SIGSTOP)
            elif args.mode == "garbage":
                sys.stdout.write("Segmentation fault? no, just noise\\n"); sys.stdout.flush()
            elif args.mode == "overlong":
                sys.stdout.write("x" * (33 * 1024 * 1024) + "\\n"); sys.stdout.flush()
""")

MODES = ("sigkill", "sigstop", "garbage", "overlong")


def operator(op_id: str, faulty_mode: str | None = None) -> dict:
    second = (
        {"type": "baseline", "worker": "faulty_worker", "mode": faulty_mode}
        if faulty_mode
        else {"type": "baseline", "behavior": "cycling"}
    )
    return {
        "id": op_id,
        "env_name": "pettingzoo_classic",
        "task": "tictactoe_v3",
        "workers": {"player_1": {"type": "baseline", "behavior": "random"}, "player_2": second},
    }


def test_faulty_workers_are_named_and_the_others_finish(tmp_path: Path, monkeypatch) -> None:
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "faulty_worker.py").write_text(FAULTY)
    monkeypatch.setenv("PYTHONPATH", str(modules))  # reaches the worker: no `-I`
    monkeypatch.setitem(
        CATALOG,
        "faulty_worker",
        WorkerDefinition(
            "faulty_worker",
            "Faulty",
            "misbehaves on purpose",
            module="faulty_worker",
            role="decision",
            worker_types=("baseline",),
            settings=(SettingSpec("mode", "--mode", str, MODES, help="how to fail"),),
        ),
    )
    short = dataclasses.replace(runner_module.Timeouts(), decision=3.0)
    kwdefaults = runner_module.OperatorRunner.__init__.__kwdefaults__
    assert kwdefaults is not None and "timeouts" in kwdefaults
    monkeypatch.setitem(kwdefaults, "timeouts", short)  # a stopped worker times out in 3 s

    spec = parse(
        {
            "execution": {"episodes": 3, "seeds": [1, 2, 3]},
            "operators": [operator("good"), *(operator(f"bad_{m}", m) for m in MODES)],
        }
    )
    with TelemetryStore.open(tmp_path / "runs.sqlite") as store:
        result = asyncio.run(run_experiment(spec, store, log_dir=tmp_path / "logs"))
        failed = {o.config.operator_id: o.error or "" for o in result.failed}
        assert set(failed) == {f"bad_{m}" for m in MODES}
        for mode in MODES:
            assert "faulty_worker[player_2]" in failed[f"bad_{mode}"], failed[f"bad_{mode}"]
        assert "killed by SIGKILL" in failed["bad_sigkill"]
        assert "it may be hung" in failed["bad_sigstop"]
        assert "broke the protocol" in failed["bad_garbage"]
        assert "over 33554432 bytes" in failed["bad_overlong"]
        runs = {r.operator_id: r for r in store.runs(result.session_id)}
        assert runs["good"].status == "finished"
        assert len(store.episodes(runs["good"].run_id)) == 3
        assert all(runs[f"bad_{m}"].status == "error" for m in MODES)


@pytest.fixture(autouse=True)
def _no_leftovers():
    from mosaic_tui.runtime.process import _LIVE

    before = set(_LIVE)  # earlier tests' workers are their own business
    yield
    assert not (_LIVE - before), "a worker was left running"
