"""Training with stable-baselines3 (the `rl` extra), as `mosaic-tui train` runs it.

The env is made the way the RL player will see it: MiniGrid and BabyAI through MiniGrid's
`ImgObsWrapper` (the image alone), which SB3 transposes and divides by 255, the `minigrid_image`
preprocessing worker_common/trained.py applies when playing. The result is an SB3 `.zip` (the task
written into its JSON `data` as `mosaic_task`, so the form can offer it) or, for `-o x.npz`, the
same weights as a dependency-free `.npz` MLP. Either way the policy is then played greedily on
seeds 0-9 (a game: 100 games against random moves) by rl_worker's own NumPy code, the number
`mosaic-tui train` prints.
"""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from worker_common.trained import PolicyError, save_mlp

from rl_worker.checkpoints import INSTALL, load_torch_policy
from rl_worker.games import GameError, is_game
from rl_worker.train import evaluate, make

ALGORITHMS = ("ppo", "a2c", "dqn")


class TrainError(RuntimeError):
    """Training cannot start (a missing extra, an unknown task, an unfit env); says why."""


@dataclass(frozen=True)
class TrainedEpisode:
    index: int
    timesteps: int  # environment steps taken when it ended
    total_reward: float
    length: int
    terminated: bool
    truncated: bool
    started_at: float
    ended_at: float


def make_env(task: str) -> gym.Env:
    try:
        env = make(task)
    except GameError as exc:
        raise TrainError(str(exc)) from None
    except Exception as exc:  # gymnasium raises several kinds for an unknown or broken id
        raise TrainError(f"cannot make {task!r}: {exc}") from None
    space = env.observation_space
    if isinstance(space, gym.spaces.Dict) and "image" in space.spaces:
        from minigrid.wrappers import ImgObsWrapper

        env = ImgObsWrapper(env)
    if not isinstance(env.action_space, gym.spaces.Discrete):
        raise TrainError(f"{task} has a {env.action_space} action space; the RL player acts in"
                         " discrete ones")
    return env


def check(task: str, algo: str, output: Path | None = None) -> None:
    """TrainError now, before any progress is shown, for what would stop training at once or
    lose it at the end (a missing package to write the output)."""
    try:
        import stable_baselines3  # noqa: F401
    except ImportError:
        raise TrainError(f"training needs stable-baselines3 and PyTorch: {INSTALL}") from None
    if output is not None and Path(output).suffix == ".onnx":
        try:
            import onnx  # noqa: F401
        except ImportError:
            raise TrainError(
                "writing an .onnx needs onnx: pip install 'mosaic-tui[onnx]'"
            ) from None
    if algo not in ALGORITHMS:
        raise TrainError(f"--algo {algo!r} is not one of {', '.join(ALGORITHMS)}")
    make_env(task).close()


def train(
    task: str,
    algo: str,
    steps: int,
    output: Path,
    seed: int = 0,
    on_episode: Callable[[TrainedEpisode], None] = lambda e: None,
    on_progress: Callable[[int], None] = lambda n: None,
) -> float:
    """Train, write `output`, and return the greedy mean return (on `evaluated_on(task)`)."""
    check(task, algo, output)
    import stable_baselines3 as sb3
    import torch
    from stable_baselines3.common.callbacks import BaseCallback

    torch.set_num_threads(1)  # small networks: threads cost more than they give on a CPU

    env = make_env(task)

    class Episodes(BaseCallback):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.count = 0
            self.started = time.time()

        def _on_step(self) -> bool:
            for info, done in zip(self.locals["infos"], self.locals["dones"], strict=True):
                episode = info.get("episode")
                if done and episode is not None:
                    now = time.time()
                    on_episode(
                        TrainedEpisode(
                            self.count,
                            self.num_timesteps,
                            float(episode["r"]),
                            int(episode["l"]),
                            not info.get("TimeLimit.truncated", False),
                            bool(info.get("TimeLimit.truncated", False)),
                            self.started,
                            now,
                        )
                    )
                    self.count += 1
                    self.started = now
            on_progress(self.num_timesteps)
            return True

    cls = {"ppo": sb3.PPO, "a2c": sb3.A2C, "dqn": sb3.DQN}[algo]
    model = cls("MlpPolicy", env, seed=seed, device="cpu", verbose=0, **_hyper(algo))
    model.learn(total_timesteps=steps, callback=Episodes())
    env.close()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    saved = output if output.suffix == ".zip" else output.with_name(output.stem + ".sb3.zip")
    model.save(saved)  # kept first: nothing after this can lose the training
    _stamp(saved, task, algo)
    try:
        policy = load_torch_policy(saved)
        rng = np.random.default_rng(0)
        mean = evaluate(
            task,
            lambda o: int(policy.scores(o).argmax()),
            range(100) if is_game(task) else range(10),  # a game's result varies more
            lambda o, m: policy.act(o, list(m), rng)[0],
        )
        note = f"mosaic-tui train {task} --algo {algo} --steps {steps} --seed {seed};"
        note += f" greedy mean return {mean:g}, {evaluated_on(task)}"
        if output.suffix == ".onnx":
            from rl_worker.onnx_policy import save_onnx

            save_onnx(output, policy.layers, task, policy.activation, note, policy.preprocess)
        elif output.suffix == ".npz":
            save_mlp(
                output,
                policy.layers,
                task,
                policy.activation,
                note,
                preprocess=policy.preprocess,
            )
    except PolicyError as exc:
        raise TrainError(f"{exc}; the trained model is kept in {saved}") from None
    if saved != output:
        saved.unlink()
    return mean


def evaluated_on(task: str) -> str:
    if is_game(task):
        return "seeds 0-99 against random moves, seats alternating"
    return "seeds 0-9"


def _hyper(algo: str) -> dict[str, Any]:
    """Settings that train the small tasks quickly on a CPU (SB3's defaults otherwise)."""
    if algo == "ppo":
        return {"n_steps": 512, "batch_size": 64, "ent_coef": 0.01}
    if algo == "dqn":
        return {"learning_starts": 1000, "exploration_fraction": 0.3}
    return {}


def _stamp(path: Path, task: str, algo: str) -> None:
    """Write the task and algorithm into SB3's JSON `data` (SB3's load ignores them)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    data = json.loads(members["data"])
    data["mosaic_task"], data["mosaic_algorithm"] = task, algo.upper()
    members["data"] = json.dumps(data, indent=4).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
