"""Train the policies the RL player plays.

    python -m rl_worker.train qlearning FrozenLake-v1 --episodes 20000 -o frozenlake.npz
    python -m rl_worker.train cem CartPole-v1 --iterations 40 -o cartpole.npz
    python -m rl_worker.train ppo MiniGrid-Empty-8x8-v0 --steps 30000 -o empty8x8.npz

`qlearning`: tabular Q-learning (epsilon-greedy, decaying) for envs whose observation is a
state number. `cem`: the cross-entropy method over the weights of a small tanh MLP, for envs
with a flat observation. Both need NumPy and Gymnasium only. `ppo`, `a2c`, `dqn`:
stable-baselines3 (the `rl` extra; rl_worker/sb3_train.py), which is what `mosaic-tui train`
runs, with `--events`: one JSON object per line on a private copy of stdout (`started`,
`episode`, `progress`, `done`, `error`), so a stray print cannot corrupt one. Each ends by
playing the greedy policy on seeds 0-9 and printing its mean return, which is also written
into the file's note; the seeds make the run repeat.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import gymnasium as gym
import numpy as np
from worker_common.trained import Policy, save_mlp, save_qtable


def make(task: str) -> gym.Env:
    """gym.make, with MiniGrid's and BabyAI's ids registered first (importing minigrid does);
    a PettingZoo classic game as one seat against random moves (rl_worker/games.py)."""
    from rl_worker.games import AgainstRandom, is_game

    if task.startswith(("MiniGrid", "BabyAI")):
        import minigrid  # noqa: F401
    elif is_game(task):
        return AgainstRandom(task)
    return gym.make(task)


def evaluate(
    task: str, act: Callable[[object], int], seeds: range = range(10), masked: Any = None
) -> float:
    """The greedy policy's mean return over `seeds` (one episode each). `masked(obs, mask)`,
    when given, is used where the env names the legal actions (a game's `action_mask`)."""
    env = make(task)
    total = 0.0
    for seed in seeds:
        obs, info = env.reset(seed=seed)
        done = False
        while not done:
            mask = info.get("action_mask") if isinstance(info, dict) else None
            action = masked(obs, mask) if masked is not None and mask is not None else act(obs)
            obs, reward, terminated, truncated, info = env.step(action)
            total += float(reward)
            done = terminated or truncated
    env.close()
    return total / len(seeds)


def qlearning(
    task: str, episodes: int, seed: int, alpha: float = 0.1, gamma: float = 0.99
) -> np.ndarray:
    env = gym.make(task)
    rng = np.random.default_rng(seed)
    q = np.zeros((env.observation_space.n, env.action_space.n))  # type: ignore[attr-defined]
    for episode in range(episodes):
        epsilon = max(0.05, 1.0 - episode / (0.6 * episodes))
        state, _ = env.reset(seed=seed + episode)
        done = False
        while not done:
            if rng.random() < epsilon:
                action = int(rng.integers(q.shape[1]))
            else:
                best = np.flatnonzero(q[state] == q[state].max())
                action = int(rng.choice(best))
            nxt, reward, terminated, truncated, _ = env.step(action)
            target = reward + (0.0 if terminated else gamma * q[nxt].max())
            q[state, action] += alpha * (target - q[state, action])
            state, done = nxt, terminated or truncated
    env.close()
    return q


def cem(
    task: str, iterations: int, seed: int, hidden: int = 16, population: int = 40
) -> list[tuple[np.ndarray, np.ndarray]]:
    env = gym.make(task)
    n_in = int(np.prod(env.observation_space.shape))  # type: ignore[arg-type]
    n_out = int(env.action_space.n)  # type: ignore[attr-defined]
    shapes = [(n_in, hidden), (hidden,), (hidden, n_out), (n_out,)]
    size = sum(int(np.prod(s)) for s in shapes)
    rng = np.random.default_rng(seed)
    mean, std = np.zeros(size), np.ones(size)

    def unpack(theta: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        parts, at = [], 0
        for shape in shapes:
            n = int(np.prod(shape))
            parts.append(theta[at : at + n].reshape(shape))
            at += n
        return [(parts[0], parts[1]), (parts[2], parts[3])]

    def score(theta: np.ndarray, episode_seed: int) -> float:
        policy = Policy("mlp", n_out, n_in, layers=unpack(theta))
        obs, _ = env.reset(seed=episode_seed)
        total, done = 0.0, False
        while not done:
            action = int(np.argmax(policy.scores(obs)))
            obs, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            done = terminated or truncated
        return total

    for iteration in range(iterations):
        thetas = mean + std * rng.standard_normal((population, size))
        scores = np.array([score(t, 1000 + iteration) for t in thetas])
        elite = thetas[np.argsort(scores)[-population // 5 :]]
        mean, std = elite.mean(axis=0), elite.std(axis=0) + 0.02
        print(f"iteration {iteration + 1}: best {scores.max():.1f}, mean {scores.mean():.1f}")
    env.close()
    return unpack(mean)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m rl_worker.train", description=__doc__)
    p.add_argument("method", choices=("qlearning", "cem", "ppo", "a2c", "dqn"))
    p.add_argument("task")
    p.add_argument("-o", "--output", required=True, help="the .npz (or SB3 .zip) to write")
    p.add_argument("--episodes", type=int, default=20000, help="qlearning: training episodes")
    p.add_argument("--iterations", type=int, default=40, help="cem: iterations")
    p.add_argument("--steps", type=int, default=50_000, help="ppo, a2c, dqn: environment steps")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--events", action="store_true", help="JSON lines on stdout (ppo, a2c, dqn)")
    args = p.parse_args(argv)
    command = "python -m rl_worker.train " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.method in ("ppo", "a2c", "dqn"):
        return _sb3(args)
    if args.method == "qlearning":
        q = qlearning(args.task, args.episodes, args.seed)
        mean = evaluate(args.task, lambda s: int(np.argmax(q[s])))  # type: ignore[index]
        save_qtable(args.output, q, args.task, f"{command}; greedy mean return {mean:g}, seeds 0-9")
    else:
        layers = cem(args.task, args.iterations, args.seed)
        policy = Policy("mlp", layers[-1][0].shape[1], layers[0][0].shape[0], layers=layers)
        mean = evaluate(args.task, lambda o: int(np.argmax(policy.scores(o))))
        note = f"{command}; greedy mean return {mean:g}, seeds 0-9"
        save_mlp(args.output, layers, args.task, note=note)
    print(f"{args.output}: greedy mean return {mean:g} on seeds 0-9")
    return 0


def _sb3(args: argparse.Namespace) -> int:
    from mosaic_tui.protocol.stdio import claim_stdout
    from rl_worker.sb3_train import TrainError, check, evaluated_on, train

    out = claim_stdout() if args.events else None

    def emit(kind: str, **fields: Any) -> None:
        if out is not None:
            out.write((json.dumps({"type": kind, **fields}) + "\n").encode())

    last = [0]

    def progress(timesteps: int) -> None:
        if timesteps - last[0] >= 256 or timesteps >= args.steps:
            last[0] = timesteps
            emit("progress", timesteps=timesteps)

    try:
        check(args.task, args.method, args.output)
        emit("started", task=args.task, algo=args.method, steps=args.steps, seed=args.seed)
        mean = train(
            args.task,
            args.method,
            args.steps,
            args.output,
            args.seed,
            lambda e: emit("episode", **asdict(e)),
            progress,
        )
    except TrainError as exc:
        emit("error", message=str(exc))
        if out is None:
            print(f"error: {exc}", file=sys.stderr)
        return 2
    on = evaluated_on(args.task)
    emit("done", mean_return=mean, output=str(args.output), on=on)
    if out is None:
        print(f"{args.output}: greedy mean return {mean:g} on {on}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
