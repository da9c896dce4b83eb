"""Every worker's settings, declared once: the worker builds its command line from its list
(`add_arguments`), the app's launcher builds the worker's argv, its checks and the
`mosaic-tui workers` listing from the same list.

They live in the protocol layer, not in the worker packages, because both sides import
`mosaic_tui.protocol` and the app never imports a worker package (workers run as
subprocesses). A worker's command line is part of its contract with the app, like its
messages. Nothing heavy is imported here: no environment library, no `openai`.
"""

from __future__ import annotations

from typing import Any

from mosaic_tui.protocol import limits
from mosaic_tui.protocol.frames import ENCODINGS
from mosaic_tui.protocol.settings import (
    Setting,
    frame_size,
    integer,
    json_object,
    non_negative_int,
    positive_int,
)

# The scripted baselines (baseline worker `--behavior`, env worker `--policy`).
BEHAVIORS = ("random", "noop", "cycling")
FRAME_ENCODINGS = ENCODINGS  # how frames may travel (protocol.frames)
EXECUTION_MODES: tuple[str, ...] = ("aec", "parallel")  # turn-based or simultaneous
# How much an LLM player's prompt says about the others (1 emergent, 2 hints, 3 roles); the
# operator's `coordination_level` (core.config) takes the same values.
COORDINATION_LEVELS: tuple[int, ...] = (1, 2, 3)
# The roles a level-3 (role-based) prompt gives: the reference's Soccer roles and a generic pair.
ROLES: tuple[str, ...] = ("forward", "defender", "lead", "support")
DEFAULT_IMAGE_SIZE = "256x256"  # a VLM player's picture, unless its image_size says otherwise
# What an LLM player plays when no reply was an answer: nothing (an error), or a counted stand-in.
FALLBACKS: tuple[str, ...] = ("error", "random_legal", "noop")
LLM_API_KEY_VARIABLE = "MOSAIC_TUI_LLM_API_KEY"
# Where the LLM worker looks for its key, in order (the second is the openai package's own).
LLM_KEY_VARIABLES = (LLM_API_KEY_VARIABLE, "OPENAI_API_KEY")


def yes_no(value: Any) -> str:
    """`yes`/`no` from a TOML boolean or the text yes/no/true/false."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value).strip().lower()
    if text in ("yes", "true"):
        return "yes"
    if text in ("no", "false"):
        return "no"
    raise ValueError("expected true or false")


def seed(value: Any) -> int:
    """A seed the protocol accepts: a whole number from 0 to 2**64-1."""
    return limits.seed(integer(value))  # type: ignore[return-value]


RL_MODES = ("greedy", "sample")  # a trained policy's actions: the best, or sampled

ENV_WORKER: tuple[Setting, ...] = (
    Setting(
        "policy",
        "--policy",
        str,
        BEHAVIORS,
        default="random",
        help="built-in policy for self-driving steps",
        detail="used by `step {}` and `run`",
    ),
    Setting(
        "policy_path",
        "--policy-path",
        str,
        help="a trained policy (.npz) plays self-driving steps instead",
        detail="a qtable or mlp file as rl_worker reads it (numbers only, never unpickled);"
        " one player, the same actions as rl_worker gives",
    ),
    Setting(
        "policy_mode",
        "--policy-mode",
        str,
        RL_MODES,
        default="greedy",
        help="the trained policy's greedy or sampled actions (as rl_worker --mode)",
    ),
    Setting(
        "policy_seed",
        "--policy-seed",
        seed,
        help="the trained policy's sampling seed until a reset gives one (as rl_worker --seed)",
    ),
    Setting(
        "max_steps",
        "--max-steps",
        positive_int,
        help="truncate episodes after this many steps",
        detail="a reset may override it",
    ),
    Setting(
        "frame_size",
        "--frame-size",
        frame_size,
        metavar="WxH",
        help="default frame box in pixels, WxH",
        detail="frames are area-downsampled to fit",
    ),
    Setting(
        "frame_encoding",
        "--frame-encoding",
        str,
        FRAME_ENCODINGS,
        default="zlib",
        help="how frames travel: zlib (default), raw or png",
    ),
    Setting(
        "execution_mode",
        "--execution-mode",
        str,
        EXECUTION_MODES,
        help="multi-agent games: turn-based or simultaneous",
        detail="default: the family's own",
    ),
    Setting(
        "env_settings",
        "--env-settings",
        json_object,
        metavar="JSON",
        help="keyword arguments for gymnasium.make",
        detail="a JSON object on the command line",
    ),
)

BASELINE_WORKER: tuple[Setting, ...] = (
    Setting(
        "behavior",
        "--behavior",
        str,
        BEHAVIORS,
        default="random",
        help="random, noop or cycling",
        detail="random: uniform over legal actions; noop: the env's no-op action;"
        " cycling: legal actions in turn",
    ),
    Setting("seed", "--seed", seed, help="seed until a reset gives one"),
)

LLM_WORKER: tuple[Setting, ...] = (
    Setting("model", "--model", str, help="model name the endpoint serves", required=True),
    Setting(
        "base_url",
        "--base-url",
        str,
        default="http://localhost:8000/v1",
        help="OpenAI-compatible base URL",
    ),
    Setting(
        "temperature",
        "--temperature",
        float,
        default=0.0,
        help="sampling temperature, 0 = most likely answer (default 0)",
    ),
    Setting("max_tokens", "--max-tokens", positive_int, default=16, help="reply cap"),
    Setting("timeout", "--timeout", float, default=30.0, help="seconds per request"),
    Setting(
        "retries",
        "--retries",
        non_negative_int,
        default=2,
        help="corrections before an error",
        detail="a reply that names no legal action is corrected this many times",
    ),
    Setting(
        "coordination_level",
        "--coordination-level",
        integer,
        COORDINATION_LEVELS,
        default=1,
        help="1 emergent, 2 basic hints, 3 role-based",
        detail="how much the prompt says about playing with others: 2 adds team-play hints"
        " (avoid collisions and duplicated effort), 3 also a role (--role, or by seat order)",
    ),
    Setting(
        "image_size",
        "--image-size",
        frame_size,
        metavar="WxH",
        help="VLM players: the largest picture sent with each turn, WxH pixels",
        detail=f"a vlm player is shown the frame (default {DEFAULT_IMAGE_SIZE}); an llm"
        " player none",
    ),
    Setting(
        "observation_text",
        "--observation-text",
        str,
        ("words", "raw"),
        default="words",
        help="words: gridworlds and toy text described; raw: the observation's numbers",
    ),
    Setting(
        "answer_format",
        "--answer-format",
        str,
        ("text", "json", "schema"),
        default="text",
        help='json: ask for {"action": ...} in the server\'s JSON mode; schema: with the action'
        " constrained to the legal names (structured output)",
        detail="a server that constrains its output (llama.cpp, vLLM, OpenAI, Ollama) then"
        " cannot answer with prose; with schema, not with an illegal action either: it makes"
        " small models answer legally",
    ),
    Setting(
        "fallback",
        "--fallback",
        str,
        FALLBACKS,
        default="error",
        help="after the retries: error (stop), random_legal or noop (played, and counted)",
        detail="a weak model can still be evaluated over many episodes, as BALROG does; every"
        " fallback is recorded with the decision",
    ),
    Setting(
        "role",
        "--role",
        str,
        ROLES,
        help="this player's role at coordination level 3",
        detail="default by seat: forward (even seats) and defender (odd) in team sports, as"
        " the reference assigns them; lead (the first seat) and support elsewhere",
    ),
    Setting(
        "api_key",
        None,
        str,
        env_var=LLM_API_KEY_VARIABLE,
        secret=True,
        help=f"better left in the environment ({LLM_API_KEY_VARIABLE})",
    ),
)

#: How an RL player picks from its policy's scores.

RL_WORKER: tuple[Setting, ...] = (
    Setting(
        "policy_path",
        "--policy-path",
        str,
        required=True,
        help="the trained policy file (.npz, SB3 .zip, CleanRL checkpoint, .onnx)",
        detail="a NumPy .npz (kind qtable or mlp), read without unpickling; PyTorch files"
        " (the rl extra) are read weights-only",
    ),
    Setting(
        "trust",
        "--trust",
        yes_no,
        ("no", "yes"),
        default="no",
        help="yes: a policy file may unpickle Python objects (code) when loaded",
        detail="only for files whose maker you trust; without it such files are refused",
    ),
    Setting(
        "mode",
        "--mode",
        str,
        RL_MODES,
        default="greedy",
        help="greedy: the best action; sample: from the softmax of its scores",
    ),
    Setting("seed", "--seed", seed, help="seed for sampling until a reset gives one"),
    Setting(
        "record",
        "--record",
        str,
        ("none", "probabilities"),
        default="none",
        help="probabilities: keep each decision's action probabilities with its step",
        detail="the softmax of the policy's scores over the legal actions",
    ),
    Setting(
        "algorithm",
        "--algorithm",
        str,
        help="how the policy was trained (the reference's scripts name it; informational)",
    ),
)

# By worker module: what `python -m MODULE` accepts.
WORKER_SETTINGS: dict[str, tuple[Setting, ...]] = {
    "env_worker": ENV_WORKER,
    "baseline_worker": BASELINE_WORKER,
    "llm_worker": LLM_WORKER,
    "rl_worker": RL_WORKER,
}


def default(settings: tuple[Setting, ...], name: str) -> Any:
    """The declared default of one setting (KeyError for a name not declared)."""
    for setting in settings:
        if setting.name == name:
            return setting.default
    raise KeyError(name)


__all__ = [
    "BASELINE_WORKER",
    "BEHAVIORS",
    "COORDINATION_LEVELS",
    "ENV_WORKER",
    "RL_WORKER",
    "RL_MODES",
    "EXECUTION_MODES",
    "FRAME_ENCODINGS",
    "LLM_API_KEY_VARIABLE",
    "LLM_KEY_VARIABLES",
    "LLM_WORKER",
    "WORKER_SETTINGS",
    "default",
    "seed",
]
