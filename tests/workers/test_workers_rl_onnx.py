"""ONNX policies (the `onnx` extra): written from rl_worker's layers, played by onnxruntime,
scoring as the NumPy code does. CI runs them in its `rl` venv (.ci/run)."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import minigrid  # noqa: F401  (registers the MiniGrid ids)
import numpy as np
import pytest

pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

from rl_worker.checkpoints import load_policy  # noqa: E402
from rl_worker.onnx_policy import save_onnx  # noqa: E402
from worker_common.trained import PolicyError, load  # noqa: E402

SHIPPED = Path(__file__).resolve().parents[2] / "examples" / "policies"


def as_onnx(tmp_path: Path, name: str) -> tuple[Path, object]:
    policy = load(SHIPPED / f"{name}.npz")
    path = tmp_path / f"{name}.onnx"
    save_onnx(path, policy.layers, policy.task or "", policy.activation, "a test's copy",
              policy.preprocess)  # fmt: skip
    return path, policy


def test_an_onnx_mlp_scores_as_the_numpy_one(tmp_path: Path) -> None:
    path, numpy_policy = as_onnx(tmp_path, "cartpole_mlp")
    policy = load_policy(path)
    assert (policy.task, policy.note, policy.n_inputs, policy.n_actions) == (
        "CartPole-v1", "a test's copy", 4, 2,
    )  # fmt: skip
    for state in np.random.default_rng(1).normal(size=(6, 4)):
        np.testing.assert_allclose(policy.scores(state), numpy_policy.scores(state), rtol=1e-5)
    with pytest.raises(PolicyError, match="takes 4 observation numbers; the env gives 3"):
        policy.scores(np.zeros(3))


def test_an_onnx_minigrid_policy_reads_the_image_as_it_was_trained(tmp_path: Path) -> None:
    path, numpy_policy = as_onnx(tmp_path, "minigrid_empty8x8_ppo")
    policy = load_policy(path)
    assert policy.preprocess == "minigrid_image"
    env = gym.make("MiniGrid-Empty-8x8-v0")
    obs, _ = env.reset(seed=5)
    for action in (2, 1, 2, 2):
        np.testing.assert_allclose(policy.scores(obs), numpy_policy.scores(obs), rtol=1e-4,
                                   atol=1e-6)  # fmt: skip
        obs, *_ = env.step(action)


def test_a_model_that_is_not_a_policy_is_refused(tmp_path: Path) -> None:
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["c"])], "two_inputs",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 2]) for n in "ab"],
        [helper.make_tensor_value_info("c", TensorProto.FLOAT, [1, 2])],
    )  # fmt: skip
    onnx.save(helper.make_model(graph), str(tmp_path / "add.onnx"))
    with pytest.raises(PolicyError, match="takes one input"):
        load_policy(tmp_path / "add.onnx")
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(PolicyError, match="not an ONNX model onnxruntime reads"):
        load_policy(tmp_path / "junk.onnx")


def test_the_worker_plays_an_onnx_policy(spawn, tmp_path: Path) -> None:
    path, numpy_policy = as_onnx(tmp_path, "cartpole_mlp")
    client = spawn("rl_worker", "--policy-path", str(path))
    client.read_type("init")
    client.request(
        {"cmd": "init_agent", "player_id": "agent", "game": "CartPole-v1",
         "action_space": {"type": "discrete", "n": 2}, "req": 1}, "agent_ready",
    )  # fmt: skip
    for i, state in enumerate(np.random.default_rng(2).normal(size=(4, 4))):
        chosen = client.request(
            {"cmd": "select_action", "observation": state.tolist(), "req": 2 + i},
            "action_selected",
        )
        assert chosen["action"] == int(np.argmax(numpy_policy.scores(state)))


def test_training_writes_an_onnx_policy_that_plays_as_its_zip(tmp_path: Path) -> None:
    pytest.importorskip("stable_baselines3")
    from rl_worker.sb3_train import train

    mean = train("CartPole-v1", "ppo", 512, tmp_path / "p.onnx", seed=4)
    assert train("CartPole-v1", "ppo", 512, tmp_path / "p.zip", seed=4) == mean
    as_onnx, as_zip = load_policy(tmp_path / "p.onnx"), load_policy(tmp_path / "p.zip")
    assert as_onnx.task == "CartPole-v1" and f"greedy mean return {mean:g}" in as_onnx.note
    for state in np.random.default_rng(3).normal(size=(5, 4)):
        np.testing.assert_allclose(as_onnx.scores(state), as_zip.scores(state), rtol=1e-4)
