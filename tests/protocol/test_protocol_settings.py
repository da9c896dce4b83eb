"""One declaration per worker setting drives both sides: the worker's command line and the
app's launcher (argv, checks, the `mosaic-tui workers` listing)."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from mosaic_tui.protocol import reference
from mosaic_tui.protocol.settings import (
    Setting,
    SettingError,
    add_arguments,
    frame_size,
    positive_int,
)
from mosaic_tui.protocol.worker_settings import WORKER_SETTINGS
from mosaic_tui.runtime import CATALOG, LaunchError, worker

ROOT = Path(__file__).resolve().parents[2]
LAUNCH_FLAGS = {"-h", "--help", "--run-id", "--env-id", "--player-id"}  # the launcher's own

# A valid value for every declared setting, as a TOML file would give it.
SAMPLES: dict[str, Any] = {
    "policy": "cycling",
    "max_steps": 40,
    "frame_size": [80, 48],
    "frame_encoding": "png",
    "execution_mode": "parallel",
    "env_settings": {"is_slippery": False},
    "behavior": "noop",
    "seed": 7,
    "model": "m",
    "base_url": "http://127.0.0.1:9/v1",
    "temperature": 0.5,
    "max_tokens": 8,
    "timeout": 12.5,
    "retries": 0,
    "coordination_level": 3,
    "role": "defender",
    "fallback": "noop",
    "image_size": "64x48",
    "record": "probabilities",
    "answer_format": "json",
    "observation_text": "raw",
    "policy_path": "/policies/a b.npz",
    "mode": "sample",
    "policy_mode": "sample",
    "policy_seed": 11,
    "algorithm": "ppo",
    "trust": True,
    "api_key": "sk-test-not-a-real-key",
}


def worker_parser(module: str) -> argparse.ArgumentParser:
    return importlib.import_module(f"{module}.cli").parser()


#: The catalogue's own workers (the command worker runs the user's program: no declaration).
BUILT_IN = [worker_id for worker_id, definition in CATALOG.items() if definition.module]


def actions_by_flag(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {flag: a for a in parser._actions for flag in a.option_strings}


@pytest.mark.parametrize("worker_id", BUILT_IN)
def test_the_launcher_and_the_worker_read_the_same_declaration(worker_id: str) -> None:
    definition = CATALOG[worker_id]
    declared = WORKER_SETTINGS[definition.module]
    assert definition.settings == declared  # the catalogue is built from it

    parser = worker_parser(definition.module)
    actions = actions_by_flag(parser)
    # the worker's command line has the declared flags and nothing else but the launch ones
    # and the reference platform's (declared once too, in protocol/reference.py)
    theirs = {flag for flag, _ in reference.FLAGS.get(definition.module, ())}
    assert set(actions) - LAUNCH_FLAGS - theirs == {s.flag for s in declared if s.flag is not None}
    for setting in declared:
        if setting.flag is None:  # a secret: read from the environment, never a flag
            assert setting.name not in {a.dest for a in parser._actions}
            continue
        action = actions[setting.flag]
        assert action.dest == setting.name
        assert action.default == setting.default
        assert action.required == setting.required
        assert (tuple(action.choices) if action.choices else None) == setting.choices
        assert setting.help and setting.help in (action.help or "")


@pytest.mark.parametrize("worker_id", BUILT_IN)
def test_the_argv_the_launcher_builds_is_what_the_worker_parses(worker_id: str) -> None:
    definition = CATALOG[worker_id]
    settings = {s.name: SAMPLES[s.name] for s in definition.settings}
    where = {"env_id": "FrozenLake-v1"} if definition.role == "env" else {"player_id": "p"}
    argv, env = definition.command("r", settings, **where)
    args = worker_parser(definition.module).parse_args(argv[3:])  # after `python -c BOOT`
    for setting in definition.settings:
        if setting.env_var is not None:
            assert env[setting.env_var] == str(SAMPLES[setting.name])
            assert SAMPLES[setting.name] not in " ".join(argv)
        else:
            assert getattr(args, setting.name) == setting.parse(SAMPLES[setting.name])


@pytest.mark.parametrize(
    ("worker_id", "name", "value", "worker_says"),
    [
        ("env_worker", "max_steps", 0, ">= 1"),
        ("env_worker", "frame_size", "80by48", "WIDTHxHEIGHT"),
        ("env_worker", "env_settings", "[1, 2]", "JSON object"),
        ("env_worker", "policy", "smart", "invalid choice"),
        ("baseline_worker", "seed", -1, "seed must be a whole number"),
        ("llm_worker", "retries", -1, ">= 0"),
        ("llm_worker", "max_tokens", 0, ">= 1"),
        ("llm_worker", "coordination_level", 4, "invalid choice"),
        ("llm_worker", "coordination_level", "two", "whole number"),
        ("llm_worker", "role", "goalie", "invalid choice"),
    ],
)
def test_a_value_is_refused_by_both_sides_alike(
    worker_id: str, name: str, value: Any, worker_says: str, capsys: pytest.CaptureFixture
) -> None:
    definition = worker(worker_id)
    required = {"model": "m"} if worker_id == "llm_worker" else {}
    with pytest.raises(LaunchError, match=name):
        definition.command("r", {**required, name: value})
    setting = definition.setting(name)
    assert setting.flag is not None
    base = ["--run-id", "r", "--env-id", "x"] if worker_id == "env_worker" else ["--run-id", "r"]
    if worker_id == "llm_worker":
        base += ["--model", "m"]
    with pytest.raises(SystemExit) as exited:
        worker_parser(definition.module).parse_args([*base, setting.flag, str(value)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert setting.flag in err and worker_says in err


def test_a_setting_added_to_a_declaration_reaches_both_sides() -> None:
    """Adding a setting is one edit: the listing, the launcher's argv and the worker's own
    parser all pick it up (checked in a fresh interpreter with the declaration extended)."""
    script = textwrap.dedent(
        """
        import io, contextlib
        from mosaic_tui.protocol import worker_settings as ws
        from mosaic_tui.protocol.settings import Setting, positive_int

        extra = Setting("think_steps", "--think-steps", positive_int, default=3,
                        help="steps to look ahead")
        ws.BASELINE_WORKER = (*ws.BASELINE_WORKER, extra)
        ws.WORKER_SETTINGS["baseline_worker"] = ws.BASELINE_WORKER

        from mosaic_tui.cli.listing import workers_command
        from mosaic_tui.runtime import LaunchError, worker
        from baseline_worker.cli import parser

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            workers_command()
        assert "think_steps  steps to look ahead" in out.getvalue(), out.getvalue()
        argv, _ = worker("baseline_worker").command("r", {"think_steps": 5})
        assert argv[argv.index("--think-steps") + 1] == "5", argv
        try:
            worker("baseline_worker").command("r", {"think_steps": 0})
        except LaunchError as exc:
            assert "think_steps" in str(exc)
        else:
            raise AssertionError("0 accepted")
        assert parser().parse_args(argv[3:]).think_steps == 5
        assert parser().parse_args(["--run-id", "r"]).think_steps == 3  # the declared default
        print("ok")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")


def test_add_arguments_builds_a_parser_from_any_declaration() -> None:
    settings = (
        Setting("frame_size", "--frame-size", frame_size, metavar="WxH", help="box"),
        Setting("depth", "--depth", positive_int, default=2, help="how deep, 100% sure"),
        Setting("mode", "--mode", str, ("a", "b"), default="a", help="which"),
        Setting("token", None, env_var="X_TOKEN", secret=True, help="from the environment"),
    )
    parser = argparse.ArgumentParser()
    add_arguments(parser, settings)
    args = parser.parse_args(["--frame-size", "64X32", "--mode", "b"])
    assert (args.frame_size, args.depth, args.mode) == ("64x32", 2, "b")
    assert not hasattr(args, "token")
    assert "how deep, 100% sure (default: 2)" in " ".join(parser.format_help().split())


def test_a_secret_setting_must_travel_in_the_environment() -> None:
    with pytest.raises(ValueError, match="needs an env_var and no flag"):
        Setting("api_key", "--api-key", secret=True)
    with pytest.raises(ValueError, match="needs a flag or an env_var"):
        Setting("orphan", None)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        (Setting("n", "--n", positive_int), 1.5, "'n': 1.5 is not valid (expected a whole number)"),
        (Setting("n", "--n", positive_int), True, "not valid"),
        (Setting("m", "--m", str, ("a", "b")), "c", "'m': 'c' is not one of a, b"),
    ],
)
def test_check_names_the_setting_and_the_cause(setting: Setting, value: Any, message: str) -> None:
    with pytest.raises(SettingError, match=message.replace("(", r"\(").replace(")", r"\)")):
        setting.check(value)


def test_llm_defaults_are_read_from_the_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    """The decision budget (app) and the endpoint (worker) use the declared defaults, so a
    changed default cannot leave one side behind."""
    import dataclasses

    from llm_worker.client import Endpoint

    from mosaic_tui.core import WorkerAssignment
    from mosaic_tui.protocol.worker_settings import LLM_WORKER, default
    from mosaic_tui.runtime import players

    args = worker_parser("llm_worker").parse_args(["--run-id", "r", "--model", "m"])
    endpoint = Endpoint(args.base_url, args.model)
    assert (endpoint.timeout, endpoint.max_tokens, endpoint.temperature) == (
        args.timeout,
        args.max_tokens,
        args.temperature,
    )
    assert (args.timeout, args.retries) == (default(LLM_WORKER, "timeout"), 2)

    changed = tuple(
        dataclasses.replace(s, default={"timeout": 7.0, "retries": 1}[s.name])
        if s.name in ("timeout", "retries")
        else s
        for s in LLM_WORKER
    )
    monkeypatch.setattr(players, "LLM_WORKER", changed)
    seat = WorkerAssignment("llm_worker", "llm", {"model": "m"})
    player = players.make_player(
        "p", seat, "r", self_drive=False, keyboard=None, log_path=None, timeout=1.0
    )
    assert player.timeout == 7.0 * 2 + 5  # two tries of the declared 7 s, plus slack
