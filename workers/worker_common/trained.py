"""Trained policies in a dependency-free format: NumPy `.npz`, read with `allow_pickle=False`
(a policy file can hold numbers and text only, never code).

Two kinds, named by the file's `kind`:

- `qtable`: `q`, one row of action values per state, for envs whose observation is a state
  number (FrozenLake, CliffWalking, Taxi);
- `mlp`: `w0, b0, w1, b1, ...` (layer i maps `w{i}.shape[0]` inputs to `w{i}.shape[1]`
  outputs), `activation` between layers (`tanh` or `relu`), the last layer's outputs the
  action logits; the observation is flattened to float32.

Both may say which `task` they were trained on and how (`note`), and an mlp how its input
is made (`preprocess`, see PREPROCESS). Writing one is `save_qtable` / `save_mlp`;
`python -m rl_worker.train` makes the shipped ones. PyTorch checkpoints (stable-baselines3,
CleanRL) are read into the same `Policy` by rl_worker/checkpoints.py, convolutions included.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

KINDS = ("qtable", "mlp")
ACTIVATIONS = {"tanh": np.tanh, "relu": lambda x: np.maximum(x, 0.0)}
# How an mlp's input is made from the observation, as the trainer made it:
# - flat: the observation flattened to floats; a state number becomes a one-hot vector when the
#   first layer takes more than one input (as SB3 and CleanRL feed a Discrete observation);
# - minigrid_image: MiniGrid's `image` (H, W, C) alone, as ImgObsWrapper gives it, moved to
#   (C, H, W) and divided by 255: how SB3 (VecTransposeImage, normalize_images) and the
#   reference's CleanRL MiniGrid agent both feed it.
PREPROCESS = ("flat", "minigrid_image")
NPZ = "a NumPy .npz of numbers and text, as `python -m rl_worker.train` writes"


class PolicyError(ValueError):
    """A policy that cannot be loaded or cannot play here; the message names both sides."""


@dataclass
class Policy:
    kind: str
    n_actions: int
    n_inputs: int  # states (qtable) or observation size (mlp)
    path: str = ""
    task: str | None = None
    note: str | None = None
    q: np.ndarray | None = None
    layers: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    activation: str = "tanh"
    preprocess: str = "flat"
    # Convolutions before the layers (out, in, k, k) with "same" padding, each followed by a
    # ReLU, their output flattened: the reference's CleanRL MiniGrid agent.
    convs: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    # Scores computed elsewhere from the features (an ONNX model run by onnxruntime)
    scorer: Callable[[np.ndarray], np.ndarray] | None = None

    def scores(self, observation: Any) -> np.ndarray:
        """Action values (qtable) or logits (mlp) for one observation."""
        if self.kind == "qtable":
            assert self.q is not None
            state = _state(observation, self.n_inputs, self.path)
            return self.q[state]
        x = self.features(observation)
        if self.scorer is not None:
            return self.scorer(x)
        act = ACTIVATIONS[self.activation]
        for i, (w, b) in enumerate(self.layers):
            x = x @ w + b
            if i < len(self.layers) - 1:
                x = act(x)
        return x

    def act(
        self,
        observation: Any,
        mask: list[int] | None,
        rng: np.random.Generator,
        sample: bool = False,
    ) -> tuple[int, np.ndarray]:
        """The action (greedy, or sampled from the softmax of the scores) and the scores."""
        scores = np.asarray(self.scores(observation), dtype=np.float64)
        if mask is None and not sample:  # the common case, without the masking arrays
            return int(scores.argmax()), scores
        if not sample:
            masked = np.where(legal_actions(self.n_actions, mask), scores, -np.inf)
            return int(masked.argmax()), scores  # the first best, as argmax picks
        return int(rng.choice(self.n_actions, p=probabilities(scores, mask))), scores

    def features(self, observation: Any) -> np.ndarray:
        """The first layer's input, made from the observation as the trainer made it."""
        if isinstance(observation, dict) and "observation" in observation:
            observation = observation["observation"]  # a PettingZoo classic game's own part
        if self.preprocess == "minigrid_image":
            x = _image(observation, self.path)
        elif _is_state_number(observation) and self.n_inputs > 1:
            x = np.zeros(self.n_inputs)
            x[_state(observation, self.n_inputs, self.path)] = 1.0
            return x
        else:
            x = _flat(observation, None if self.convs else self.n_inputs, self.path)
        for w, b in self.convs:
            x = np.maximum(_conv_same(x, w, b, self.path), 0.0)
        x = x.ravel()
        if x.size != self.n_inputs:
            made = f"{x.size} ({_shape(observation)})"
            if self.convs or self.preprocess != "flat":
                made = f"{_shape(observation)}, made into {x.size} numbers by its" + (
                    " convolutions" if self.convs else f" {self.preprocess} preprocessing"
                )
            raise PolicyError(
                f"{self.path} takes {self.n_inputs} observation numbers; the env gives {made}"
            )
        return x


def legal_actions(n: int, mask: list[int] | None) -> np.ndarray:
    """A boolean array of the legal actions (all of them without a mask)."""
    legal = np.ones(n, dtype=bool)
    if mask is not None:
        legal[: len(mask)] = np.asarray(mask[:n], dtype=bool)
    if not legal.any():
        raise PolicyError("the action mask allows no action")
    return legal


def probabilities(scores: np.ndarray, mask: list[int] | None) -> np.ndarray:
    """The softmax of the scores over the legal actions (0 for the others)."""
    legal = legal_actions(len(scores), mask)
    shifted = np.where(legal, np.exp(scores - scores[legal].max()), 0.0)
    return shifted / shifted.sum()


def load(path: str | Path, formats: str = NPZ) -> Policy:
    """A policy file, checked: PolicyError names the file and what is wrong with it, and
    `formats` (what the calling worker reads) when the file is none of them."""
    where = str(path)
    arrays = _arrays(path, where, formats)
    kind = _text(arrays, "kind", where)
    if kind not in KINDS:
        raise PolicyError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    task = _text(arrays, "task", where, required=False)
    note = _text(arrays, "note", where, required=False)
    if kind == "qtable":
        q = arrays.get("q")
        if q is None or q.ndim != 2 or not np.issubdtype(q.dtype, np.number) or 0 in q.shape:
            raise PolicyError(f"{where}: a qtable needs `q`, a (states, actions) number array")
        return Policy(kind, q.shape[1], q.shape[0], where, task, note, q=q.astype(np.float64))
    layers = []
    while f"w{len(layers)}" in arrays:
        i = len(layers)
        w, b = arrays[f"w{i}"], arrays.get(f"b{i}")
        if w.ndim != 2 or b is None or b.shape != (w.shape[1],):
            raise PolicyError(f"{where}: layer {i} needs w{i} (in, out) and b{i} (out,)")
        if layers and layers[-1][0].shape[1] != w.shape[0]:
            raise PolicyError(
                f"{where}: layer {i} takes {w.shape[0]} inputs but layer {i - 1} gives"
                f" {layers[-1][0].shape[1]}"
            )
        layers.append((w.astype(np.float64), b.astype(np.float64)))
    if not layers:
        raise PolicyError(f"{where}: an mlp needs at least w0 and b0")
    activation = _text(arrays, "activation", where, required=False) or "tanh"
    if activation not in ACTIVATIONS:
        raise PolicyError(f"{where}: activation {activation!r} is not one of tanh, relu")
    preprocess = _text(arrays, "preprocess", where, required=False) or "flat"
    if preprocess not in PREPROCESS:
        raise PolicyError(
            f"{where}: preprocess {preprocess!r} is not one of {', '.join(PREPROCESS)}"
        )
    return Policy(
        kind,
        layers[-1][0].shape[1],
        layers[0][0].shape[0],
        where,
        task,
        note,
        layers=layers,
        activation=activation,
        preprocess=preprocess,
    )


def _arrays(path: str | Path, where: str, formats: str) -> dict[str, np.ndarray]:
    """The arrays of a .npz, or PolicyError saying plainly what the file is instead. The file
    is never unpickled, and no message suggests it: a policy holds numbers and text only."""
    try:
        with open(path, "rb") as f:
            head = f.read(6)
    except FileNotFoundError:
        raise PolicyError(f"no policy file {where!r}") from None
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {where}: {exc.strerror or exc}") from None
    if head.startswith(b"\x93NUMPY"):
        raise PolicyError(
            f"{where} is a single NumPy array (.npy), not a policy file; this worker reads"
            f" {formats}"
        )
    if not head.startswith(b"PK"):  # every zip (and so every .npz) starts so
        raise PolicyError(
            f"{where} is not a policy this worker reads: it is not a valid .npz or zip archive"
            f" (corrupt, or another format); this worker reads {formats}"
        )
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except ValueError as exc:
        if "pickle" not in str(exc):
            raise PolicyError(
                f"{where} is not a policy this worker reads: an array in it is damaged"
                f" ({str(exc)[:160]}); this worker reads {formats}"
            ) from None
        raise PolicyError(
            f"{where} is not a policy this worker reads: it holds Python objects, and a policy"
            " file holds numbers and text only (objects could run code when loaded): write"
            " it with save_qtable or save_mlp"
        ) from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise PolicyError(
            f"{where} is not a policy this worker reads: a damaged zip archive, not a valid"
            f" .npz ({type(exc).__name__}: {str(exc)[:160]}); this worker reads {formats}"
        ) from None


def save_qtable(path: str | Path, q: np.ndarray, task: str, note: str = "") -> None:
    np.savez_compressed(path, kind="qtable", q=np.asarray(q, np.float32), task=task, note=note)


def save_mlp(
    path: str | Path,
    layers: list[tuple[np.ndarray, np.ndarray]],
    task: str,
    activation: str = "tanh",
    note: str = "",
    preprocess: str = "flat",
) -> None:
    weights = {}
    for i, (w, b) in enumerate(layers):
        weights[f"w{i}"], weights[f"b{i}"] = np.asarray(w, np.float32), np.asarray(b, np.float32)
    np.savez_compressed(
        path,
        kind="mlp",
        task=task,
        activation=activation,
        preprocess=preprocess,
        note=note,
        **weights,
    )


def _text(arrays: dict[str, np.ndarray], key: str, where: str, required: bool = True) -> Any:
    value = arrays.get(key)
    if value is None:
        if required:
            raise PolicyError(f"{where}: no `{key}` in the file (is it a policy file?)")
        return None
    if value.shape != () or value.dtype.kind != "U":
        raise PolicyError(f"{where}: `{key}` must be a text value")
    return str(value)


def _state(observation: Any, n_states: int, where: str) -> int:
    value = np.asarray(observation)
    if value.size != 1 or not np.issubdtype(value.dtype, np.integer):
        raise PolicyError(
            f"{where} is a Q-table over {n_states} states, but the observation is"
            f" {_shape(observation)}, not a state number"
        )
    state = int(value.reshape(()))
    if not 0 <= state < n_states:
        raise PolicyError(f"{where} has {n_states} states; the env gave state {state}")
    return state


def _is_state_number(observation: Any) -> bool:
    value = np.asarray(observation) if not isinstance(observation, dict) else None
    return value is not None and value.size == 1 and np.issubdtype(value.dtype, np.integer)


def _image(observation: Any, where: str) -> np.ndarray:
    """MiniGrid's image as (C, H, W) floats in [0, 1]."""
    image = observation.get("image") if isinstance(observation, dict) else observation
    value = np.asarray(image) if image is not None else None
    if value is None or value.ndim != 3 or not np.issubdtype(value.dtype, np.number):
        raise PolicyError(
            f"{where} takes a MiniGrid image (height, width, channels); the env gives"
            f" {_shape(observation)}"
        )
    return np.transpose(value, (2, 0, 1)).astype(np.float64) / 255.0


def _conv_same(x: np.ndarray, w: np.ndarray, b: np.ndarray, where: str) -> np.ndarray:
    """A stride-1 convolution (PyTorch's cross-correlation) that keeps height and width."""
    out_c, in_c, k, _ = w.shape
    if x.ndim != 3 or x.shape[0] != in_c:
        raise PolicyError(
            f"{where}: a convolution takes {in_c} channels; it was given an array of shape"
            f" {list(x.shape)}"
        )
    pad = k // 2
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (k, k), axis=(1, 2))
    return np.einsum("chwij,ocij->ohw", windows, w, optimize=True) + b[:, None, None]


def _flat(observation: Any, n_inputs: int | None, where: str) -> np.ndarray:
    if isinstance(observation, dict):
        raise PolicyError(
            f"{where} takes a flat observation of {n_inputs} numbers; the env gives a dict"
            f" ({', '.join(map(str, observation))})"
        )
    try:
        x = np.asarray(observation, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise PolicyError(
            f"{where} takes numbers; the observation is {_shape(observation)}"
        ) from None
    if n_inputs is not None and x.size != n_inputs:
        raise PolicyError(
            f"{where} takes {n_inputs} observation numbers; the env gives {x.size}"
            f" ({_shape(observation)})"
        )
    return x


def _shape(observation: Any) -> str:
    value = np.asarray(observation) if not isinstance(observation, dict) else None
    if value is None:
        return "a dict"
    if value.ndim == 0:
        return repr(observation)
    return f"a {value.dtype} array of shape {list(value.shape)}"
