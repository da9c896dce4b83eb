from __future__ import annotations

import pytest

from mosaic_tui.core import WORKER_TYPES, WorkerAssignment, redact_secrets


def test_worker_types_are_the_five_kinds() -> None:
    assert WORKER_TYPES == ("llm", "vlm", "rl", "human", "baseline")


@pytest.mark.parametrize("worker_type", WORKER_TYPES)
def test_every_valid_type_is_accepted(worker_type: str) -> None:
    assert WorkerAssignment("some_worker", worker_type).worker_type == worker_type


def test_unknown_type_names_the_valid_ones() -> None:
    with pytest.raises(ValueError) as err:
        WorkerAssignment("w", "random")
    message = str(err.value)
    assert "'random'" in message
    for valid in WORKER_TYPES:
        assert valid in message


@pytest.mark.parametrize("worker_id", ["", "   "])
def test_empty_worker_id_rejected_for_ai(worker_id: str) -> None:
    with pytest.raises(ValueError, match="worker_id"):
        WorkerAssignment(worker_id, "llm")


def test_human_may_omit_worker_id_and_gets_human() -> None:
    assert WorkerAssignment("", "human").worker_id == "human"
    assert WorkerAssignment("human", "human").worker_id == "human"


def test_non_string_worker_id_and_non_mapping_settings_rejected() -> None:
    with pytest.raises(TypeError):
        WorkerAssignment(None, "rl")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        WorkerAssignment("w", "rl", settings=["a"])  # type: ignore[arg-type]


def test_is_human_and_is_ai() -> None:
    human = WorkerAssignment("human", "human")
    baseline = WorkerAssignment("baseline_worker", "baseline")
    assert (human.is_human, human.is_ai) == (True, False)
    assert (baseline.is_human, baseline.is_ai) == (False, True)


def test_copy_deep_copies_settings() -> None:
    original = WorkerAssignment("llm_worker", "llm", {"model": "m", "nested": {"t": [1]}})
    clone = original.copy()
    clone.settings["model"] = "other"
    clone.settings["nested"]["t"].append(2)
    assert original.settings == {"model": "m", "nested": {"t": [1]}}
    assert clone == WorkerAssignment(
        "llm_worker", "llm", {"model": "other", "nested": {"t": [1, 2]}}
    )


def test_constructor_does_not_alias_callers_settings() -> None:
    settings = {"behavior": "random"}
    wa = WorkerAssignment("baseline_worker", "baseline", settings)
    settings["behavior"] = "noop"
    assert wa.settings["behavior"] == "random"


def test_dict_round_trip() -> None:
    wa = WorkerAssignment("rl_worker", "rl", {"policy_path": "/p.zip", "algo": "ppo"})
    data = wa.to_dict()
    assert data == {
        "worker_id": "rl_worker",
        "worker_type": "rl",
        "settings": {"policy_path": "/p.zip", "algo": "ppo"},
    }
    assert WorkerAssignment.from_dict(data) == wa
    data["settings"]["algo"] = "dqn"
    assert wa.settings["algo"] == "ppo"


def test_from_dict_errors() -> None:
    with pytest.raises(ValueError, match="worker_type"):
        WorkerAssignment.from_dict({"worker_id": "w"})
    with pytest.raises(ValueError, match="worker_id"):
        WorkerAssignment.from_dict({"worker_type": "llm"})
    with pytest.raises(ValueError, match="colour"):
        WorkerAssignment.from_dict({"worker_id": "w", "worker_type": "rl", "colour": "red"})
    with pytest.raises(TypeError):
        WorkerAssignment.from_dict(["w", "rl"])  # type: ignore[arg-type]
    assert WorkerAssignment.from_dict({"worker_type": "human"}).worker_id == "human"


def test_repr_masks_secret_settings() -> None:
    wa = WorkerAssignment(
        "llm_worker",
        "llm",
        {
            "api_key": "sk-live-123",
            "HF_TOKEN": "hf_abc",
            "client_secret": "s3",
            "Password": "pw",
            "model_id": "gpt-4o",
            "extra": {"access_token": "tok-999"},
        },
    )
    text = repr(wa)
    for secret in ("sk-live-123", "hf_abc", "s3'", "'pw'", "tok-999"):
        assert secret not in text
    assert "gpt-4o" in text
    assert text.count("***") == 5
    assert wa.settings["api_key"] == "sk-live-123"  # masking never mutates
    assert str(wa) == text


def test_to_dict_redact_masks_but_default_keeps() -> None:
    wa = WorkerAssignment("llm_worker", "llm", {"api_key": "sk-1", "base_url": "http://x"})
    assert wa.to_dict()["settings"]["api_key"] == "sk-1"
    assert wa.to_dict(redact=True)["settings"] == {
        "api_key": "***",
        "base_url": "http://x",
    }


def test_redact_secrets_walks_lists() -> None:
    value = {"servers": [{"token": "t", "host": "h"}], "n": 1}
    assert redact_secrets(value) == {"servers": [{"token": "***", "host": "h"}], "n": 1}
    assert value["servers"][0]["token"] == "t"
