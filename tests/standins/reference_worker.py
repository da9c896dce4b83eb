"""A stand-in for the reference platform's random_worker and passive_worker, written from
`reference-dialect.md` (what they send and expect, observed): not their code.

    python reference_worker.py --run-id R [--task T] [--seed S] [--interactive]
        [--behavior random|passive] [--no-init] [--type-keyed] [--uci]

With --interactive it is an action selector (init_agent, select_action); without, it owns the
env (reset, step). Like the real ones it prints its protocol with `print` on the stdout it
shares with the env, sends no request ids, numbers steps from 0, sends `render_payload` as RGB
lists on ready, step and episode_end, ignores `max_steps`, never auto-resets (a step after the
end is answered with another episode_end), and in selector mode treats `reset` as an env
command. Unlike the real random_worker, its env-owning mode seeds its action choice from
--seed, so tests can check that runs repeat. `--no-init`, `--type-keyed` and `--uci` make it
speak like chess_worker (no init line, commands keyed by `type`, moves named in UCI).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import gymnasium as gym
import numpy as np

PASSIVE = {"still", "noop", "idle", "wait", "done"}


def emit(data: dict[str, Any]) -> None:
    print(json.dumps(data, default=lambda v: v.tolist() if hasattr(v, "tolist") else str(v)))
    sys.stdout.flush()


def make(task: str, render: bool) -> gym.Env:
    import minigrid  # noqa: F401  (registers MiniGrid)

    return gym.make(task, render_mode="rgb_array" if render else None, disable_env_checker=True)


class Worker:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.space: gym.spaces.Space | None = None
        self.passive_action = 0
        self.env: gym.Env | None = None
        self.steps = 0
        self.episode = 0
        self.total = 0.0
        self.rng = np.random.default_rng(args.seed)

    def payload(self) -> dict[str, Any] | None:
        frame = self.env.render() if self.env is not None else None
        if frame is None:
            return None
        return {"mode": "rgb", "width": frame.shape[1], "height": frame.shape[0],
                "rgb": frame.tolist()}  # fmt: skip

    def choose(self) -> int:
        if self.args.behavior == "passive":
            return self.passive_action
        if self.space is not None and self.args.interactive:
            return int(self.space.sample())
        n = self.env.action_space.n if self.env is not None else 7  # type: ignore[attr-defined]
        return int(self.rng.integers(n))

    def init_agent(self, cmd: dict[str, Any]) -> dict[str, Any]:
        if not self.args.uci:  # a move-naming worker needs no action space
            env = make(self.args.task or cmd.get("game_name", ""), render=False)
            self.space = env.action_space
            env.close()
            if self.args.seed is not None:
                self.space.seed(self.args.seed)
        for index, name in enumerate(cmd.get("action_meanings") or []):
            if str(name).lower() in PASSIVE:
                self.passive_action = index
                break
        kind = "agent_initialized" if self.args.type_keyed else "agent_ready"
        return {"type": kind, "run_id": self.args.run_id, "game_name": cmd.get("game_name"),
                "player_id": cmd.get("player_id"), "mode": "action_selector",
                "behavior": self.args.behavior}  # fmt: skip

    def select_action(self, cmd: dict[str, Any]) -> dict[str, Any]:
        if self.args.uci:
            moves = (cmd.get("info") or {}).get("legal_moves") or []
            move = sorted(moves)[0] if moves else "0000"
            return {"type": "action_selected", "player_id": cmd.get("player_id"),
                    "action": move, "action_str": move, "reasoning": "first legal move",
                    "input_tokens": 0}  # fmt: skip
        if self.space is None:
            return {"type": "error", "message": "Action space not initialized."}
        action = self.choose()
        return {"type": "action_selected", "run_id": self.args.run_id, "action": action,
                "player_id": cmd.get("player_id"), "action_str": str(action)}  # fmt: skip

    def reset(self, cmd: dict[str, Any]) -> dict[str, Any]:
        if not self.args.task:
            raise ValueError("--task is required for autonomous (non-interactive) mode")
        if self.env is None:
            self.env = make(self.args.task, render=True)
            if self.args.interactive:  # a selector that is reset loses its seeded choices
                self.space = self.env.action_space
        print("env says: resetting")  # a stray print, as BabyAI's are
        obs, _ = self.env.reset(seed=cmd.get("seed"))
        self.steps, self.total = 0, 0.0
        return {"type": "ready", "run_id": self.args.run_id, "env_id": self.args.task,
                "seed": cmd.get("seed"), "observation_shape": list(obs["image"].shape),
                "step_index": 0, "episode_index": self.episode, "episode_reward": 0.0,
                "render_payload": self.payload()}  # fmt: skip

    def step(self, cmd: dict[str, Any]) -> None:
        if self.env is None:
            emit({"type": "error", "message": "Environment not initialized. Send reset first."})
            return
        action = self.choose()  # the command's action is ignored, as random_worker does
        _, reward, terminated, truncated, _ = self.env.step(action)
        self.total += float(reward)
        payload = self.payload()
        emit({"type": "step", "run_id": self.args.run_id, "step_index": self.steps,
              "episode_index": self.episode, "action": action, "reward": float(reward),
              "terminated": bool(terminated), "truncated": bool(truncated),
              "episode_reward": self.total, "render_payload": payload})  # fmt: skip
        self.steps += 1
        if terminated or truncated:
            emit({"type": "episode_end", "run_id": self.args.run_id,
                  "episode_index": self.episode, "episode_steps": self.steps,
                  "episode_return": self.total, "terminated": bool(terminated),
                  "truncated": bool(truncated), "render_payload": payload})  # fmt: skip
            self.episode += 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--env-name", default="")
    parser.add_argument("--task", default="")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--telemetry-dir", default=None)
    parser.add_argument("--interactive", action="store_true")
    parser.add_argument("--behavior", choices=["random", "passive"], default="random")
    parser.add_argument("--no-init", action="store_true")
    parser.add_argument("--type-keyed", action="store_true")
    parser.add_argument("--uci", action="store_true")
    parser.add_argument("--show-environment", action="store_true")
    args = parser.parse_args()
    worker = Worker(args)
    if not args.no_init:
        init = {"type": "init", "run_id": args.run_id, "worker": f"{args.behavior}_worker",
                "behavior": args.behavior}  # fmt: skip
        if not args.interactive:
            init["mode"] = "autonomous"
        emit(init)
    if args.show_environment:  # which of the GUI's variables it was given, on stderr
        import os

        names = ("TELEMETRY_DIR", "OPERATOR_RUN_ID", "OPERATOR_ID", "MOSAIC_VIEW_SIZE")
        print("ENV " + json.dumps({k: os.environ.get(k) for k in names}), file=sys.stderr)
        print("ARGV " + json.dumps(sys.argv[1:]), file=sys.stderr)
    key = "type" if args.type_keyed else "cmd"
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            cmd = json.loads(line)
        except ValueError as exc:
            emit({"type": "error", "message": f"Invalid JSON: {exc}"})
            continue
        kind = str(cmd.get(key, "")).lower()
        if kind == "init_agent":
            emit(worker.init_agent(cmd))
        elif kind == "select_action":
            emit(worker.select_action(cmd))
        elif kind == "reset":
            try:
                emit(worker.reset(cmd))
            except Exception as exc:  # noqa: BLE001 - as the reference answers
                emit({"type": "error", "message": f"Reset failed: {exc}"})
        elif kind == "step":
            worker.step(cmd)
        elif kind == "stop":
            emit({"type": "stopped"})
            break
        elif kind == "ping":
            emit({"type": "pong"})
        else:
            emit({"type": "error", "message": f"Unknown command: {kind}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
