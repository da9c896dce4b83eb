"""Reference-style workers driven as players and as env-owning operators.

The workers are `tests/standins/reference_worker.py`, written from reference-dialect.md: they
speak the reference's dialect (no request ids, 0-based steps, RGB-list frames, stray prints on
stdout), ignore `max_steps`, never auto-reset and fail a `reset` sent to an action selector.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from runtime_helpers import collect

from mosaic_tui.core import OperatorConfig, WorkerAssignment
from mosaic_tui.protocol import FrameRequest
from mosaic_tui.runtime import (
    EpisodeEnded,
    EpisodeStarted,
    OperatorRunner,
    RunnerEvent,
    StepTaken,
    WorkerError,
)
from mosaic_tui.runtime import process as process_module

STANDIN = Path(__file__).resolve().parents[1] / "standins" / "reference_worker.py"
TASK = "MiniGrid-Empty-5x5-v0"
MINIGRID_DONE = 6  # MiniGrid's actions: left, right, forward, pickup, drop, toggle, done


def standin(*flags: str) -> str:
    return f"python {STANDIN} --run-id {{run_id}} " + " ".join(flags)


def player_config(command: str, max_steps: int = 12, **fields) -> OperatorConfig:
    return OperatorConfig(
        operator_id="op",
        display_name="op",
        env_name="minigrid",
        task=TASK,
        workers={"agent": WorkerAssignment("command", "baseline", {"command": command})},
        max_steps=max_steps,
        **fields,
    )


def owner_config(command: str, max_steps: int = 9, **fields) -> OperatorConfig:
    return OperatorConfig(
        operator_id="owner",
        display_name="owner",
        env_name="minigrid",
        task=TASK,
        workers={"agent": WorkerAssignment("baseline_worker", "baseline", {})},
        max_steps=max_steps,
        env_command=command,
        **fields,
    )


def steps(events: list[RunnerEvent]) -> list[tuple]:
    return [
        (e.episode, e.step_index, e.action, e.reward, e.truncated)
        for e in events
        if isinstance(e, StepTaken)
    ]


async def test_a_seeded_reference_random_player_repeats_its_actions(tmp_path: Path) -> None:
    command = standin("--env-name {env_name} --task {task} --interactive --seed 7")
    first = await collect(OperatorRunner(player_config(command), log_dir=tmp_path), [3, 4])
    again = await collect(OperatorRunner(player_config(command), log_dir=tmp_path), [3, 4])
    assert steps(first) == steps(again)
    actions = {action for _, _, action, _, _ in steps(first)}
    assert len(actions) > 1  # random, not a constant
    ends = [e for e in first if isinstance(e, EpisodeEnded)]
    assert [e.seed for e in ends] == [3, 4]  # two episodes, on our seeds


async def test_a_reference_passive_player_is_never_reset_and_plays_done(tmp_path: Path) -> None:
    # no --task: a `reset` would fail ("--task is required"), as the reference's does
    command = standin("--interactive --behavior passive")
    events = await collect(OperatorRunner(player_config(command), log_dir=tmp_path), [1, 2])
    played = steps(events)
    assert played and {action for _, _, action, _, _ in played} == {MINIGRID_DONE}
    assert len([e for e in events if isinstance(e, EpisodeEnded)]) == 2


async def test_a_reference_env_owner_is_ended_at_max_steps_and_reset_by_us(
    tmp_path: Path,
) -> None:
    command = standin("--task {task} --seed {seed}")
    frame = FrameRequest(20, 20)

    def runner() -> OperatorRunner:
        return OperatorRunner(owner_config(command, seed=11), log_dir=tmp_path, frame=frame)

    first = await collect(runner(), [1000, 1001])
    again = await collect(runner(), [1000, 1001])
    assert steps(first) == steps(again)  # the same commands: the same episodes
    started = [e for e in first if isinstance(e, EpisodeStarted)]
    assert [e.seed for e in started] == [1000, 1001]  # each one reset by us
    assert all(e.frame is not None and e.frame.width <= 20 for e in started)
    ends = [e for e in first if isinstance(e, EpisodeEnded)]
    assert len(ends) == 2
    for end in ends:  # the stand-in ignores max_steps = 9; we do not
        assert end.length <= 9
        assert end.terminated or (end.truncated and end.length == 9)
    taken = [e for e in first if isinstance(e, StepTaken)]
    assert [e.step_index for e in taken[:3]] == [1, 2, 3]  # its 0-based count, made ours
    assert all(e.frame is not None and (e.frame.width, e.frame.height) == (20, 20) for e in taken)


@pytest.mark.subprocess
async def test_command_workers_get_the_placeholders_and_the_guis_variables(
    tmp_path: Path,
) -> None:
    command = standin(
        "--task {task} --env-name {env_name} --telemetry-dir {telemetry_dir}"
        " --seed {seed} --show-environment"
    )
    config = owner_config(command, seed=5, view_size=7)
    runner = OperatorRunner(config, run_id="run-9", log_dir=tmp_path)
    await collect(runner, [1])
    log = (tmp_path / "run-9.env.log").read_text()
    env = json.loads(log.split("ENV ", 1)[1].splitlines()[0])
    argv = json.loads(log.split("ARGV ", 1)[1].splitlines()[0])
    telemetry = str(tmp_path / "telemetry" / "run-9")
    assert env == {
        "TELEMETRY_DIR": telemetry,
        "OPERATOR_RUN_ID": "run-9",
        "OPERATOR_ID": "owner",
        "MOSAIC_VIEW_SIZE": "7",
    }
    assert argv[:2] == ["--run-id", "run-9"]
    assert argv[2:10] == [
        "--task", TASK, "--env-name", "minigrid", "--telemetry-dir", telemetry, "--seed", "5"
    ]  # fmt: skip
    assert "ready: fields kept from the worker: observation_shape=[7, 7, 3]" in log
    assert "non-protocol output skipped: env says: resetting" in log


async def test_a_type_keyed_worker_without_init_plays_chess_in_uci(tmp_path: Path) -> None:
    workers = {
        "player_0": WorkerAssignment(
            "command",
            "llm",
            {"command": standin("--no-init --type-keyed --uci"), "dialect": "mosaic"},
        ),
        "player_1": WorkerAssignment("baseline_worker", "baseline", {"behavior": "random"}),
    }
    config = OperatorConfig.multi_agent("chess", "chess", "pettingzoo_classic", "chess_v6", workers)
    config.max_steps = 6
    events = await collect(OperatorRunner(config, log_dir=tmp_path), [1])
    mine = [e for e in events if isinstance(e, StepTaken) and e.agent == "player_0"]
    assert len(mine) == 3
    assert all(isinstance(e.action, int) for e in mine)  # its UCI names, made action numbers


async def test_auto_takes_a_silent_worker_for_a_reference_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(process_module, "AUTO_QUIET", 0.5)
    command = standin("--no-init --interactive --seed 3")
    events = await collect(OperatorRunner(player_config(command), log_dir=tmp_path), [1])
    assert steps(events)


async def test_auto_recognises_a_worker_speaking_our_protocol(tmp_path: Path) -> None:
    command = "python -m baseline_worker --run-id {run_id} --behavior noop"
    runner = OperatorRunner(player_config(command, max_steps=4), log_dir=tmp_path)
    events = await collect(runner, [1])
    assert runner.players["agent"].process.dialect == "mosaic-tui"  # type: ignore[attr-defined]
    assert [a for _, _, a, _, _ in steps(events)] == [MINIGRID_DONE] * 4  # MiniGrid's no-op


async def test_a_move_no_legal_action_names_is_an_error_naming_it(tmp_path: Path) -> None:
    script = (
        "import json,sys\n"
        "for line in sys.stdin:\n"
        "    c = json.loads(line)\n"
        "    if c['cmd'] == 'init_agent': print(json.dumps({'type': 'agent_ready'}), flush=True)\n"
        "    elif c['cmd'] == 'select_action':\n"
        "        print(json.dumps({'type': 'action_selected', 'action': 'jump'}), flush=True)\n"
        "    elif c['cmd'] == 'stop': break\n"
    )
    path = tmp_path / "jumper.py"
    path.write_text(script)
    config = player_config(f"{sys.executable} {path}")
    config.workers["agent"].settings["dialect"] = "mosaic"
    with pytest.raises(WorkerError, match="chose 'jump', which names no legal move"):
        await collect(OperatorRunner(config, log_dir=tmp_path), [1])


async def test_a_reference_passive_env_owner_stands_still_until_we_end_it(tmp_path: Path) -> None:
    # an env-owning passive worker knows no action names: it plays action 0 (turn left)
    command = standin("--task {task} --behavior passive")
    events = await collect(OperatorRunner(owner_config(command), log_dir=tmp_path), [5, 6])
    assert {action for _, _, action, _, _ in steps(events)} == {0}
    ends = [e for e in events if isinstance(e, EpisodeEnded)]
    assert [(e.length, e.truncated, e.seed) for e in ends] == [(9, True, 5), (9, True, 6)]
