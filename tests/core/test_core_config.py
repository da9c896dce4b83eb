from __future__ import annotations

import dataclasses

import pytest

from mosaic_tui.core import OperatorConfig, SteppingParadigm, WorkerAssignment


def _wa(worker_type: str = "rl", worker_id: str = "rl_worker", **settings) -> WorkerAssignment:
    return WorkerAssignment(worker_id, worker_type, dict(settings))


def _full_config() -> OperatorConfig:
    return OperatorConfig.multi_agent(
        operator_id="operator_1",
        display_name="Soccer",
        env_name="mosaic_multigrid",
        task="Soccer-2v2",
        player_workers={
            "agent_0": _wa("llm", "llm_worker", api_key="sk-1", model_id="m"),
            "agent_1": _wa("human", "human"),
            "agent_2": _wa("baseline", "baseline_worker", behavior="random"),
        },
        execution_mode="parallel",
        observation_mode="egocentric",
        coordination_level=3,
        max_steps=250,
        view_size=5,
        seed=7,
        env_settings={"render_size": 64, "hf_token": "hf_x", "layout": {"rows": [1]}},
    )


# -- defaults ---------------------------------------------------------------------------
def test_empty_workers_default_to_offline_random_baseline() -> None:
    config = OperatorConfig("operator_0", "Default")
    assert list(config.workers) == ["agent"]
    worker = config.workers["agent"]
    assert (worker.worker_id, worker.worker_type) == ("baseline_worker", "baseline")
    assert worker.settings == {"behavior": "random"}
    assert not any("key" in k for k in worker.settings)


def test_default_workers_are_not_shared_between_configs() -> None:
    a = OperatorConfig("a", "A")
    b = OperatorConfig("b", "B")
    a.workers["agent"].settings["behavior"] = "noop"
    assert b.workers["agent"].settings["behavior"] == "random"


def test_reference_defaults() -> None:
    config = OperatorConfig("operator_0", "x")
    assert config.execution_mode == "aec"
    assert config.observation_mode == "visible_teammates"
    assert config.coordination_level == 1
    assert config.max_steps is None and config.view_size is None
    assert config.run_id is None and config.seed is None
    assert config.env_settings == {}


# -- validation -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"operator_id": ""}, "operator_id"),
        ({"operator_id": "  "}, "operator_id"),
        ({"execution_mode": "turns"}, "execution_mode"),
        ({"max_steps": 0}, "max_steps"),
        ({"max_steps": -5}, "max_steps"),
        ({"max_steps": 2.5}, "max_steps"),
        ({"max_steps": True}, "max_steps"),
        ({"view_size": 0}, "view_size"),
        ({"view_size": "7"}, "view_size"),
        ({"coordination_level": 0}, "coordination_level"),
        ({"coordination_level": 4}, "coordination_level"),
        ({"observation_mode": "global"}, "observation_mode"),
        ({"seed": -1}, "seed"),
        ({"seed": "42"}, "seed"),
    ],
)
def test_invalid_values_raise_naming_the_field(changes: dict, field_name: str) -> None:
    kwargs = {"operator_id": "operator_0", "display_name": "x", **changes}
    with pytest.raises(ValueError, match=field_name):
        OperatorConfig(**kwargs)


@pytest.mark.parametrize("value", [None, 1, 500])
def test_valid_limits_accepted(value: int | None) -> None:
    config = OperatorConfig("operator_0", "x", max_steps=value, view_size=value)
    assert config.max_steps == value and config.view_size == value


@pytest.mark.parametrize("level", [1, 2, 3])
def test_coordination_levels(level: int) -> None:
    players = {"agent_0": _wa("llm", "llm_worker", model="m"), "agent_1": _wa()}
    config = OperatorConfig("o", "x", workers=players, coordination_level=level)
    assert config.coordination_level == level
    assert config.language_model_players() == ["agent_0"]


@pytest.mark.parametrize("level", [2, 3])
def test_a_coordination_level_without_llm_players_is_refused_with_the_fix(level: int) -> None:
    players = {"agent_0": _wa(), "agent_1": _wa("human", "human")}
    with pytest.raises(ValueError) as refused:
        OperatorConfig("o", "x", workers=players, coordination_level=level)
    assert str(refused.value) == (
        "coordination_level applies to LLM players; this operator has none:"
        " remove it or assign an LLM player"
    )
    assert OperatorConfig("o", "x", workers=players).coordination_level == 1  # the default
    with pytest.raises(ValueError, match="applies to LLM players"):
        OperatorConfig("o", "x", coordination_level=2)  # the default player: a baseline


def test_workers_must_hold_assignments() -> None:
    with pytest.raises(TypeError, match="agent"):
        OperatorConfig("o", "x", workers={"agent": {"worker_id": "w"}})  # type: ignore[dict-item]


# -- compatibility properties -------------------------------------------------------------
def test_single_agent_factory_and_compat_properties() -> None:
    config = OperatorConfig.single_agent(
        "operator_0",
        "LLM",
        "llm_worker",
        "llm",
        env_name="minigrid",
        task="MiniGrid-Empty-8x8-v0",
        settings={"model_id": "m"},
        max_steps=100,
        seed=3,
        env_settings={"tile_size": 8},
    )
    assert config.player_ids == ["agent"]
    assert config.operator_type == "llm"
    assert config.worker_id == "llm_worker"
    assert config.settings == {"model_id": "m"}
    assert (config.max_steps, config.seed, config.env_settings) == (
        100,
        3,
        {"tile_size": 8},
    )
    assert not config.is_multiagent
    assert config.paradigm is SteppingParadigm.SINGLE_AGENT


def test_single_agent_factory_uses_reference_env_defaults() -> None:
    config = OperatorConfig.single_agent("o", "x", "rl_worker", "rl")
    assert (config.env_name, config.task) == ("babyai", "BabyAI-GoToRedBall-v0")


def test_multi_agent_properties() -> None:
    config = _full_config()
    assert config.is_multiagent
    assert config.operator_type == "multiagent"
    assert config.worker_id == "llm_worker"  # first player's worker
    assert config.player_ids == ["agent_0", "agent_1", "agent_2"]
    assert config.get_worker_for_player("agent_1").is_human
    assert config.get_worker_for_player("agent_9") is None
    assert config.get_human_agents() == ["agent_1"]
    assert config.get_ai_agents() == ["agent_0", "agent_2"]
    assert config.has_human_agents()
    assert config.is_parallel_multiagent()
    assert config.paradigm is SteppingParadigm.SIMULTANEOUS


def test_multi_agent_factory_copies_the_players_mapping() -> None:
    players = {"player_0": _wa(), "player_1": _wa()}
    config = OperatorConfig.multi_agent("o", "Chess", "pettingzoo_classic", "chess_v6", players)
    players["player_2"] = _wa()
    assert config.player_ids == ["player_0", "player_1"]
    assert config.paradigm is SteppingParadigm.SEQUENTIAL
    assert not config.is_parallel_multiagent()
    assert not config.has_human_agents()


def test_parallel_single_agent_is_not_parallel_multiagent() -> None:
    config = OperatorConfig("o", "x", execution_mode="parallel")
    assert not config.is_parallel_multiagent()


# -- copies -------------------------------------------------------------------------------
def test_with_run_id_keeps_every_other_field() -> None:
    config = _full_config()
    copy = config.with_run_id("run-1")
    assert copy.run_id == "run-1" and config.run_id is None
    before = dataclasses.asdict(config)
    after = dataclasses.asdict(copy)
    before.pop("run_id")
    after.pop("run_id")
    assert after == before


def test_with_run_id_does_not_share_mutable_state() -> None:
    config = _full_config()
    copy = config.with_run_id("run-1")
    copy.workers["agent_0"].settings["model_id"] = "other"
    copy.env_settings["render_size"] = 1
    copy.env_settings["layout"]["rows"].append(2)
    assert config.workers["agent_0"].settings["model_id"] == "m"
    assert config.env_settings["render_size"] == 64
    assert config.env_settings["layout"] == {"rows": [1]}


def test_replace_validates_and_copies() -> None:
    config = _full_config()
    changed = config.replace(max_steps=10, display_name="Short")
    assert (changed.max_steps, changed.display_name) == (10, "Short")
    assert changed.view_size == 5 and changed.coordination_level == 3
    assert config.max_steps == 250
    with pytest.raises(ValueError, match="max_steps"):
        config.replace(max_steps=0)


# -- plain data ---------------------------------------------------------------------------
def test_dict_round_trip_keeps_everything_including_secrets() -> None:
    config = _full_config().with_run_id("run-9")
    data = config.to_dict()
    assert data["workers"]["agent_0"]["settings"]["api_key"] == "sk-1"
    assert data["env_settings"]["hf_token"] == "hf_x"
    restored = OperatorConfig.from_dict(data)
    assert restored == config
    assert restored.run_id == "run-9" and restored.seed == 7


def test_to_dict_redact_masks_secrets_only() -> None:
    data = _full_config().to_dict(redact=True)
    assert data["workers"]["agent_0"]["settings"] == {"api_key": "***", "model_id": "m"}
    assert data["env_settings"] == {
        "render_size": 64,
        "hf_token": "***",
        "layout": {"rows": [1]},
    }
    assert data["max_steps"] == 250


def test_to_dict_is_detached() -> None:
    config = _full_config()
    data = config.to_dict()
    data["workers"]["agent_0"]["settings"]["model_id"] = "changed"
    data["env_settings"]["render_size"] = 0
    assert config.workers["agent_0"].settings["model_id"] == "m"
    assert config.env_settings["render_size"] == 64


def test_from_dict_errors() -> None:
    with pytest.raises(ValueError, match="maxsteps"):
        OperatorConfig.from_dict({"operator_id": "o", "display_name": "x", "maxsteps": 3})
    with pytest.raises(ValueError, match="display_name"):
        OperatorConfig.from_dict({"operator_id": "o"})
    with pytest.raises(ValueError, match="coordination_level"):
        OperatorConfig.from_dict({"operator_id": "o", "display_name": "x", "coordination_level": 9})


def test_from_dict_without_workers_gets_baseline() -> None:
    config = OperatorConfig.from_dict({"operator_id": "o", "display_name": "x"})
    assert config.operator_type == "baseline"


def test_repr_hides_secrets() -> None:
    text = repr(_full_config())
    assert "sk-1" not in text and "hf_x" not in text
    assert "Soccer-2v2" in text and "render_size" in text


@pytest.mark.parametrize("bad", ["[/red]", "x\x1b]0;title\x07", "a/b", "..", " ", "x" * 65])
def test_operator_ids_are_a_safe_character_set(bad: str) -> None:
    """Ids reach Rich markup, file names and the terminal: the form and files get this check."""
    with pytest.raises(ValueError) as info:
        OperatorConfig.single_agent(bad, "Name", "baseline_worker", "baseline")
    assert "letters, digits" in str(info.value) or "non-empty" in str(info.value)
    assert "\x1b" not in str(info.value)


def test_player_ids_and_names_are_checked_too() -> None:
    with pytest.raises(ValueError, match="player id"):
        OperatorConfig(
            "ok", "Ok", workers={"[bold]": WorkerAssignment("baseline_worker", "baseline")}
        )
    with pytest.raises(ValueError, match="control characters"):
        OperatorConfig.single_agent("ok", "bad\x1b[2J", "baseline_worker", "baseline")
    assert OperatorConfig.single_agent("op_1.v2-x", "Any [text] é", "w", "baseline").operator_id
