"""The worker catalogue turns settings into command lines, refusing what it does not know."""

from __future__ import annotations

import sys

import pytest

from mosaic_tui.runtime import CATALOG, LaunchError, SettingSpec, WorkerDefinition, worker
from mosaic_tui.runtime.launcher import BOOT


def test_settings_become_flags() -> None:
    argv, env = worker("baseline_worker").command(
        "r1", {"behavior": "cycling", "seed": 7}, player_id="player_0"
    )
    # like `python -m baseline_worker`, without the working directory on sys.path
    assert argv[:3] == [sys.executable, "-c", BOOT.format(module="baseline_worker")]
    assert argv[argv.index("--run-id") + 1] == "r1"
    assert argv[argv.index("--player-id") + 1] == "player_0"
    assert argv[argv.index("--behavior") + 1] == "cycling"
    assert argv[argv.index("--seed") + 1] == "7"


def test_env_worker_settings_and_env_vars() -> None:
    argv, env = worker("env_worker").command(
        "r",
        {
            "policy": "noop",
            "max_steps": 20,
            "frame_size": [80, 48],
            "env_settings": {"is_slippery": False},
        },
        env_id="FrozenLake-v1",
    )
    assert argv[argv.index("--env-id") + 1] == "FrozenLake-v1"
    assert argv[argv.index("--frame-size") + 1] == "80x48"
    assert argv[argv.index("--env-settings") + 1] == '{"is_slippery": false}'
    assert env["SDL_VIDEODRIVER"] == "dummy"  # headless SDL for pygame-based renderers


def test_unknown_setting_is_an_error_with_a_suggestion() -> None:
    with pytest.raises(LaunchError, match="no setting 'behaviour'; did you mean 'behavior'"):
        worker("baseline_worker").command("r", {"behaviour": "random"})


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"behavior": "smart"}, "not one of random, noop, cycling"),
        ({"seed": "abc"}, "not valid"),
        ({"seed": 1.5}, "not valid"),
    ],
)
def test_invalid_values_are_errors(settings: dict, message: str) -> None:
    with pytest.raises(LaunchError, match=message):
        worker("baseline_worker").command("r", settings)


def test_env_worker_rejects_bad_max_steps() -> None:
    with pytest.raises(LaunchError, match="max_steps"):
        worker("env_worker").command("r", {"max_steps": 0})


def test_unknown_worker_lists_the_catalogue() -> None:
    known = "env_worker, baseline_worker, llm_worker, rl_worker, command"
    with pytest.raises(LaunchError, match=f"available workers: {known}"):
        worker("vlm_worker")


def test_secrets_travel_in_the_environment_never_in_argv() -> None:
    definition = WorkerDefinition(
        "fake_llm",
        "Fake",
        "",
        module="fake_llm",
        role="decision",
        settings=(
            SettingSpec("api_key", None, env_var="FAKE_API_KEY"),
            SettingSpec("model", "--model"),
        ),
    )
    argv, env = definition.command("r", {"api_key": "sk-secret", "model": "m"})
    assert "sk-secret" not in " ".join(argv)
    assert env["FAKE_API_KEY"] == "sk-secret"
    assert argv[argv.index("--model") + 1] == "m"


def test_a_secret_without_an_env_var_is_refused() -> None:
    definition = WorkerDefinition(
        "w", "W", "", module="w", role="decision", settings=(SettingSpec("token", "--token"),)
    )
    with pytest.raises(LaunchError, match="looks like a secret"):
        definition.command("r", {"token": "t"})


def test_every_catalogue_module_is_importable_and_has_help() -> None:
    import importlib
    import subprocess

    for definition in CATALOG.values():
        if not definition.module:  # the command worker runs the user's program
            continue
        importlib.import_module(definition.module)
        out = subprocess.run(
            [sys.executable, "-m", definition.module, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0
        assert "--run-id" in out.stdout
        for spec in definition.settings:
            assert spec.help, f"{definition.worker_id} setting {spec.name} has no help"
            if spec.flag:
                assert spec.flag in out.stdout, f"{definition.worker_id} --help lacks {spec.flag}"


def test_secrets_nested_in_table_settings_never_reach_argv() -> None:
    with pytest.raises(LaunchError, match="'api_token'.*looks like a secret"):
        worker("env_worker").command("r", {"env_settings": {"opts": {"api_token": "sk-1"}}})
