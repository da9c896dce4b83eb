"""PyTorch policy files (the `rl` extra): CleanRL checkpoints and stable-baselines3 zips, read
weights-only and played in NumPy. Each is checked against PyTorch's own forward pass, so the
NumPy code and the preprocessing are what the trainer used.

These need torch and stable-baselines3: CI runs them in its `rl` venv (.ci/run)."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import zipfile
from pathlib import Path

import gymnasium as gym
import minigrid  # noqa: F401  (registers the MiniGrid ids)
import numpy as np
import pytest

torch = pytest.importorskip("torch")
sb3 = pytest.importorskip("stable_baselines3")

from minigrid.wrappers import ImgObsWrapper  # noqa: E402
from rl_worker.checkpoints import load_policy  # noqa: E402
from rl_worker.sb3_train import train  # noqa: E402
from torch import nn  # noqa: E402
from worker_common.trained import PolicyError, load  # noqa: E402

from mosaic_tui.experiments import load as load_experiment  # noqa: E402
from mosaic_tui.experiments import run_experiment  # noqa: E402
from mosaic_tui.telemetry import TelemetryStore  # noqa: E402

SCRIPT = Path(__file__).parents[1] / "experiments" / "scripts" / "rl_player.py"


class MinigridAgent(nn.Module):
    """The reference's CleanRL MiniGrid agent as its checkpoints name it (written from its
    weight names and shapes: cnn.network = three 3x3 convs with ReLU; actor/critic heads)."""

    def __init__(self, n_actions: int = 7) -> None:
        super().__init__()
        self.cnn = nn.Module()
        self.cnn.network = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.Flatten(),
        )  # fmt: skip
        self.actor = nn.Sequential(nn.Linear(64 * 49, 128), nn.ReLU(), nn.Linear(128, n_actions))
        self.critic = nn.Sequential(nn.Linear(64 * 49, 128), nn.ReLU(), nn.Linear(128, 1))

    def logits(self, image: np.ndarray) -> np.ndarray:
        x = torch.as_tensor(image[None]).permute(0, 3, 1, 2).float() / 255.0
        with torch.no_grad():
            return self.actor(self.cnn.network(x)).numpy()[0]


def cleanrl_checkpoint(path: Path, seed: int = 0, **extra) -> MinigridAgent:
    torch.manual_seed(seed)
    agent = MinigridAgent()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model_state_dict": agent.state_dict(), "global_step": 0, **extra}, path)
    return agent


def minigrid_observations(task: str = "MiniGrid-DoorKey-5x5-v0", n: int = 12) -> list[dict]:
    env = gym.make(task)
    obs, _ = env.reset(seed=3)
    seen, rng = [obs], np.random.default_rng(0)
    for _ in range(n - 1):
        obs, *_ = env.step(int(rng.integers(3)))
        seen.append(obs)
    return seen


def test_a_cleanrl_minigrid_checkpoint_plays_as_pytorch_would(tmp_path: Path) -> None:
    path = tmp_path / "model.zip"  # torch.save writes a zip, whatever the suffix
    agent = cleanrl_checkpoint(path)
    policy = load_policy(path)
    assert (policy.preprocess, len(policy.convs), policy.n_actions) == ("minigrid_image", 3, 7)
    for obs in minigrid_observations():
        expected = agent.logits(obs["image"])
        np.testing.assert_allclose(policy.scores(obs), expected, rtol=1e-4, atol=1e-5)
        assert policy.act(obs, None, np.random.default_rng(0))[0] == int(expected.argmax())
    with pytest.raises(PolicyError, match=r"takes 3136 observation numbers; the env gives"):
        policy.scores({"image": np.zeros((5, 5, 3), np.uint8)})  # a 5x5 view


def test_a_checkpoint_holding_objects_needs_trust(tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    agent = cleanrl_checkpoint(path, args=argparse.Namespace(env_id="MiniGrid-Empty-8x8-v0"))
    with pytest.raises(PolicyError, match="trust = true"):
        load_policy(path)
    obs = minigrid_observations(n=1)[0]
    trusted = load_policy(path, trust=True)
    np.testing.assert_allclose(trusted.scores(obs), agent.logits(obs["image"]), rtol=1e-4)


def test_a_torch_file_that_is_no_agent_is_refused_naming_its_keys(tmp_path: Path) -> None:
    path = tmp_path / "other.pt"
    torch.save({"encoder.weight": torch.zeros(2, 2)}, path)
    with pytest.raises(PolicyError, match=r"no actor layers .*encoder\.weight"):
        load_policy(path)


def sb3_scores(model, obs) -> np.ndarray:  # type: ignore[no-untyped-def]
    """SB3's own action logits (before its softmax) or Q-values, through its preprocessing."""
    policy = model.policy
    with torch.no_grad():
        tensor, _ = policy.obs_to_tensor(obs)
        if hasattr(policy, "q_net"):
            return policy.q_net(tensor).numpy()[0]
        latent = policy.mlp_extractor.forward_actor(policy.extract_features(tensor))
        return policy.action_net(latent).numpy()[0]


@pytest.mark.parametrize("algo", ["PPO", "DQN"])
def test_an_sb3_zip_plays_as_sb3_would(tmp_path: Path, algo: str) -> None:
    env = ImgObsWrapper(gym.make("MiniGrid-DoorKey-5x5-v0"))
    model = getattr(sb3, algo)("MlpPolicy", env, seed=1, device="cpu")
    model.save(tmp_path / "m.zip")
    policy = load_policy(tmp_path / "m.zip")
    assert policy.preprocess == "minigrid_image"
    for obs in minigrid_observations():
        np.testing.assert_allclose(
            policy.scores(obs), sb3_scores(model, obs["image"]), rtol=1e-4, atol=1e-5
        )
    cartpole = sb3.PPO("MlpPolicy", "CartPole-v1", seed=1, device="cpu")
    cartpole.save(tmp_path / "c.zip")
    flat = load_policy(tmp_path / "c.zip")
    state = np.array([0.01, -0.2, 0.03, 0.1], np.float32)
    assert flat.preprocess == "flat"
    np.testing.assert_allclose(flat.scores(state), sb3_scores(cartpole, state), rtol=1e-4)


def test_a_discrete_observation_is_one_hot_as_sb3_feeds_it(tmp_path: Path) -> None:
    model = sb3.DQN("MlpPolicy", "FrozenLake-v1", seed=1, device="cpu")
    model.save(tmp_path / "f.zip")
    policy = load_policy(tmp_path / "f.zip")
    for state in (0, 5, 15):
        np.testing.assert_allclose(
            policy.scores(np.int64(state)), sb3_scores(model, state), rtol=1e-4
        )


def test_pickled_policy_kwargs_need_trust(tmp_path: Path) -> None:
    model = sb3.PPO(
        "MlpPolicy", "CartPole-v1", seed=1, device="cpu", policy_kwargs={"activation_fn": nn.ReLU}
    )
    model.save(tmp_path / "r.zip")
    with pytest.raises(PolicyError, match="pickled Python .* trust = true"):
        load_policy(tmp_path / "r.zip")
    policy = load_policy(tmp_path / "r.zip", trust=True)
    state = np.array([0.3, -1.0, 0.2, 0.5], np.float32)
    assert policy.activation == "relu"
    np.testing.assert_allclose(policy.scores(state), sb3_scores(model, state), rtol=1e-4)


def test_training_writes_a_zip_and_an_npz_that_play_alike(tmp_path: Path) -> None:
    curve: list = []
    mean = train("CartPole-v1", "ppo", 1024, tmp_path / "p.zip", seed=2, on_episode=curve.append)
    assert curve and [e.index for e in curve] == list(range(len(curve)))
    assert curve[-1].timesteps <= 1024 and all(e.length > 0 for e in curve)
    with zipfile.ZipFile(tmp_path / "p.zip") as archive:
        data = json.loads(archive.read("data"))
    assert (data["mosaic_task"], data["mosaic_algorithm"]) == ("CartPole-v1", "PPO")
    assert train("CartPole-v1", "ppo", 1024, tmp_path / "p.npz", seed=2) == mean  # same seed
    as_zip, as_npz = load_policy(tmp_path / "p.zip"), load(tmp_path / "p.npz")
    assert as_npz.task == "CartPole-v1" and f"greedy mean return {mean:g}" in (as_npz.note or "")
    for state in np.random.default_rng(0).normal(size=(5, 4)):
        np.testing.assert_allclose(as_npz.scores(state), as_zip.scores(state), rtol=1e-5)


@pytest.mark.subprocess
def test_the_reference_rl_script_runs_with_a_cleanrl_checkpoint(tmp_path: Path) -> None:
    shutil.copy(SCRIPT, tmp_path / "rl_player.py")
    agent = cleanrl_checkpoint(tmp_path / "runs" / "ppo_empty8x8" / "model.zip", seed=4)
    spec = load_experiment(tmp_path / "rl_player.py")
    with TelemetryStore.open(tmp_path / "runs.sqlite") as store:
        result = asyncio.run(run_experiment(spec, store, log_dir=tmp_path))
        assert not result.failed, [o.error for o in result.outcomes]
        runs = {r.operator_id: r for r in store.runs(result.session_id)}
        assert len(store.episodes(runs["ppo"].run_id)) == 10
        # the RL player's first action on each seed is the checkpoint's greedy choice
        env = gym.make("MiniGrid-Empty-8x8-v0")
        firsts = [s for s in store.steps(runs["ppo"].run_id) if s.step_index == 1]
        for step, seed in zip(firsts, range(1000, 1010), strict=True):
            obs, _ = env.reset(seed=seed)
            assert step.action == int(agent.logits(obs["image"]).argmax())


def test_mosaic_tui_train_records_the_learning_curve(tmp_path: Path) -> None:
    import subprocess
    import sys

    db, out = tmp_path / "t.db", tmp_path / "cartpole.npz"
    result = subprocess.run(
        [sys.executable, "-m", "mosaic_tui.cli", "train", "CartPole-v1", "--steps", "700",
         "-o", str(out), "--db", str(db), "--seed", "3"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    mean = load(out).note.split("greedy mean return ")[1].split(",")[0]  # type: ignore[union-attr]
    assert f"greedy mean return {mean} on seeds 0-9" in result.stdout
    with TelemetryStore.open(db) as store:
        (run,) = [r for r in store.runs() if r.operator_id == "train"]
        episodes = store.episodes(run.run_id)
        assert run.status == "finished" and run.task == "CartPole-v1"
        assert run.config["algo"] == "ppo" and run.config["steps"] == 700
        assert [e.episode_index for e in episodes] == list(range(len(episodes))) and episodes
        assert sum(e.length for e in episodes) <= 1024  # PPO collects whole rollouts of 512
        assert f"{len(episodes)} episodes in session {run.session_id}" in result.stderr
    unknown = subprocess.run(
        [sys.executable, "-m", "mosaic_tui.cli", "train", "Nope-v0", "-o", str(out),
         "--db", str(db)], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert unknown.returncode == 2 and "cannot make 'Nope-v0'" in unknown.stderr
    assert unknown.stderr.count("cannot make") == 1  # said once, by the command


class BigImage(gym.Env):  # type: ignore[type-arg]
    """An image of more than 1000 numbers: NumPy prints SB3's saved bounds shortened."""

    observation_space = gym.spaces.Box(0, 255, (20, 20, 3), np.uint8)
    action_space = gym.spaces.Discrete(3)

    def reset(self, *, seed=None, options=None):  # type: ignore[no-untyped-def]
        super().reset(seed=seed)
        return self.observation_space.sample(), {}

    def step(self, action):  # type: ignore[no-untyped-def]
        return self.observation_space.sample(), 0.0, True, False, {}


def test_a_large_image_policy_is_still_seen_as_one(tmp_path: Path) -> None:
    model = sb3.PPO("MlpPolicy", BigImage(), seed=1, device="cpu", n_steps=64, batch_size=32)
    model.save(tmp_path / "big.zip")
    policy = load_policy(tmp_path / "big.zip")
    assert policy.preprocess == "minigrid_image"  # transposed and divided by 255, as SB3 does
    image = np.random.default_rng(0).integers(0, 256, (20, 20, 3), dtype=np.uint8)
    np.testing.assert_allclose(policy.scores(image), sb3_scores(model, image), rtol=1e-4,
                               atol=1e-6)  # fmt: skip


def test_a_checkpoint_of_unknown_layers_is_refused_not_crashed_on(tmp_path: Path) -> None:
    no_bias = {"actor.0.weight": torch.zeros(4, 8), "actor.2.weight": torch.zeros(2, 4),
               "actor.2.bias": torch.zeros(2)}  # fmt: skip
    torch.save(no_bias, tmp_path / "a.pt")
    with pytest.raises(PolicyError, match=r"layer actor\.0 has no bias"):
        load_policy(tmp_path / "a.pt")
    linear_in_cnn = {"cnn.network.0.weight": torch.zeros(4, 8), "cnn.network.0.bias":
                     torch.zeros(4), "actor.0.weight": torch.zeros(2, 4),
                     "actor.0.bias": torch.zeros(2)}  # fmt: skip
    torch.save(linear_in_cnn, tmp_path / "b.pt")
    with pytest.raises(PolicyError, match=r"cnn\.network\.0 has weights of shape \[4, 8\]"):
        load_policy(tmp_path / "b.pt")
    gap = {"actor.0.weight": torch.zeros(4, 8), "actor.0.bias": torch.zeros(4),
           "actor.2.weight": torch.zeros(2, 5), "actor.2.bias": torch.zeros(2)}  # fmt: skip
    torch.save(gap, tmp_path / "c.pt")
    with pytest.raises(PolicyError, match="takes 5 inputs; the layer before gives 4"):
        load_policy(tmp_path / "c.pt")
