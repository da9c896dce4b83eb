"""PyTorch policies read into rl_worker's NumPy `Policy`: stable-baselines3 `.zip` files and
the reference's CleanRL PPO checkpoints (`{"model_state_dict": ...}`, whatever the suffix).

Only weights are read (`torch.load(weights_only=True)`), so a file cannot run code when
loaded. The architecture is known from the weights' names, as SB3 and CleanRL name them; the
rest (activation, input) from each library's defaults and, for SB3, the JSON part of the file.
Where only unpickling would tell (SB3 `policy_kwargs` holding a class), the file is refused
unless the player's `trust` setting says yes: then it is unpickled as SB3 would. Playing always
runs in NumPy (worker_common/trained.py), the same code for every format.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from worker_common.trained import Policy, PolicyError, load

# what a file that is none of them is told it should be
FORMATS = (
    "a NumPy .npz of numbers and text, a stable-baselines3 .zip, a CleanRL PyTorch checkpoint"
    " (torch.save's zip) or an .onnx model"
)
INSTALL = "pip install torch==2.13.0 'mosaic-tui[rl]'"  # the CPU build, see README


def is_torch_file(path: str | Path) -> bool:
    """A zip archive that is not a NumPy `.npz` (torch.save and SB3 both write zips)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
    return not all(name.endswith(".npy") for name in names)


def load_policy(path: str | Path, trust: bool = False) -> Policy:
    """Any policy file this worker plays: `.npz`, SB3 `.zip`, CleanRL checkpoint, `.onnx`."""
    if Path(path).suffix == ".onnx" and Path(path).is_file():
        from rl_worker.onnx_policy import load_onnx

        return load_onnx(path)
    if not Path(path).is_file() or not is_torch_file(path):
        return load(path, FORMATS)  # names a missing file, or what is wrong with the .npz
    return load_torch_policy(path, trust)


def load_torch_policy(path: str | Path, trust: bool = False) -> Policy:
    where = str(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        if "policy.pth" in names and "data" in names:
            return _sb3(archive, where, trust)
    state = _torch_load(path, where, trust)
    return _cleanrl(state, where)


def _torch_load(source: Any, where: str, trust: bool) -> Any:
    try:
        import torch
    except ImportError:
        raise PolicyError(
            f"{where} is a PyTorch file; reading it needs PyTorch, which the `rl` extra"
            f" installs: {INSTALL}"
        ) from None
    try:
        return torch.load(source, map_location="cpu", weights_only=not trust)
    except Exception as exc:  # torch raises UnpicklingError, RuntimeError, KeyError...
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "weights only" in str(exc).lower() or "weights_only" in str(exc):
            raise PolicyError(
                f"{where} holds more than weights (Python objects that run code when"
                f" loaded: {first[:160]}); set trust = true in the player's settings only"
                " if you trust who made it"
            ) from None
        raise PolicyError(
            f"{where} is not a PyTorch checkpoint this worker reads: {first}"
        ) from None


def _arrays(state: Mapping[str, Any]) -> dict[str, np.ndarray]:
    return {
        str(k): v.detach().cpu().numpy().astype(np.float64)
        for k, v in state.items()
        if hasattr(v, "detach")
    }


def _indexed(
    weights: dict[str, np.ndarray], prefix: str, where: str, ndim: int = 2
) -> list[tuple[np.ndarray, np.ndarray]]:
    """`prefix.{i}.weight`/`.bias` pairs in order of i (an nn.Sequential's layers), checked:
    each has a bias, `ndim` dimensions (2: Linear; 4: a square Conv2d), and takes what the one
    before gives."""
    pattern = re.compile(re.escape(prefix) + r"\.(\d+)\.weight$")
    found = sorted(int(m.group(1)) for k in weights if (m := pattern.match(k)))
    layers = []
    for i in found:
        w, b = weights[f"{prefix}.{i}.weight"], weights.get(f"{prefix}.{i}.bias")
        name = f"{prefix}.{i}"
        if b is None or b.shape != (w.shape[0],):
            raise PolicyError(
                f"{where}: layer {name} has no bias of {w.shape[0]} (a layer"
                " without one is not a CleanRL or SB3 layer this worker knows)"
            )
        if w.ndim != ndim or (ndim == 4 and (w.shape[2] != w.shape[3] or w.shape[2] % 2 == 0)):
            kind = "a Linear layer" if ndim == 2 else "an odd square convolution"
            raise PolicyError(
                f"{where}: layer {name} has weights of shape {list(w.shape)}, not {kind}"
            )
        if layers and layers[-1][0].shape[0] != w.shape[1]:
            raise PolicyError(
                f"{where}: layer {name} takes {w.shape[1]} inputs; the layer"
                f" before gives {layers[-1][0].shape[0]}"
            )
        layers.append((w, b))
    return layers


def _linear(layers: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """torch's (out, in) weights as the (in, out) that Policy multiplies by."""
    return [(w.T, b) for w, b in layers]


def _cleanrl(checkpoint: Any, where: str) -> Policy:
    state = checkpoint
    if isinstance(checkpoint, Mapping) and "model_state_dict" in checkpoint:
        state = checkpoint["model_state_dict"]
    if not isinstance(state, Mapping):
        raise PolicyError(f"{where}: a CleanRL checkpoint is a dict of weights; this is not one")
    weights = _arrays(state)
    actor = _linear(_indexed(weights, "actor", where))
    if not actor:
        keys = ", ".join(list(weights)[:6]) or "none"
        raise PolicyError(
            f"{where}: no actor layers (`actor.0.weight`, ...) in this checkpoint (keys: {keys});"
            " it is not a CleanRL PPO agent"
        )
    convs = _indexed(weights, "cnn.network", where, ndim=4)  # MinigridAgent: 3x3 convs, ReLU
    task = None
    if isinstance(checkpoint, Mapping) and isinstance(checkpoint.get("args"), Mapping):
        task = checkpoint["args"].get("env_id")
    return Policy(
        "mlp",
        actor[-1][0].shape[1],
        actor[0][0].shape[0],
        where,
        task=str(task) if task else None,
        note="CleanRL PPO checkpoint",
        layers=actor,
        activation="relu" if convs else "tanh",  # MinigridAgent's heads; CleanRL's MLP agents
        preprocess="minigrid_image" if convs else "flat",
        convs=convs,
    )


def _sb3(archive: zipfile.ZipFile, where: str, trust: bool) -> Policy:
    try:
        data = json.loads(archive.read("data"))
    except (ValueError, KeyError) as exc:
        raise PolicyError(f"{where}: its `data` is not the JSON SB3 writes ({exc})") from None
    kwargs = data.get("policy_kwargs") or {}
    activation = None
    if isinstance(kwargs, dict) and ":serialized:" in kwargs:
        if not trust:
            raise PolicyError(
                f"{where} keeps its policy_kwargs as pickled Python (a custom activation or"
                " network), which runs code when loaded; set trust = true in the player's"
                " settings only if you trust who made it"
            )
        activation = _trusted_activation(where, data)
    state = _torch_load(io.BytesIO(archive.read("policy.pth")), where, trust)
    weights = _arrays(state)
    if any(k.startswith("features_extractor.") for k in weights):
        raise PolicyError(
            f"{where} uses a features extractor with weights (CnnPolicy or MultiInputPolicy);"
            " this worker plays SB3 MlpPolicy files"
        )
    if "action_net.weight" in weights:  # PPO, A2C: ActorCriticPolicy, Tanh unless told
        layers = _indexed(weights, "mlp_extractor.policy_net", where)
        head = (weights["action_net.weight"], weights.get("action_net.bias"))
        if head[1] is None or (layers and layers[-1][0].shape[0] != head[0].shape[1]):
            raise PolicyError(f"{where}: its action_net does not follow its policy network")
        layers.append(head)  # type: ignore[arg-type]
        activation = activation or "tanh"
    elif _indexed(weights, "q_net.q_net", where):  # DQN: QNetwork, ReLU unless told
        layers = _indexed(weights, "q_net.q_net", where)
        activation = activation or "relu"
    else:
        keys = ", ".join(list(weights)[:6]) or "none"
        raise PolicyError(f"{where}: not an SB3 PPO, A2C or DQN policy (keys: {keys})")
    space = data.get("observation_space") or {}
    return Policy(
        "mlp",
        layers[-1][0].shape[0],
        layers[0][0].shape[1],
        where,
        task=_sb3_task(data),
        note=f"stable-baselines3 {data.get('mosaic_algorithm') or 'policy'}",
        layers=_linear(layers),
        activation=activation,
        preprocess="minigrid_image" if _sb3_image(space) else "flat",
    )


def _sb3_image(space: Any) -> bool:
    """SB3 saw an image (so it moved channels first and divided by 255): a uint8 Box of 0-255
    whose shape, as saved after its VecTransposeImage, has 1, 3 or 4 channels first."""
    if not isinstance(space, dict) or "Box" not in str(space.get(":type:", "")):
        return False
    shape = space.get("_shape") or []
    # SB3 keeps low and high as NumPy prints them: shortened with `...` past 1000 numbers
    number = r"-?\d+(?:\.\d+)?"
    lows = set(re.findall(number, str(space.get("low_repr") or space.get("low", ""))))
    highs = set(re.findall(number, str(space.get("high_repr") or space.get("high", ""))))
    return (
        len(shape) == 3
        and shape[0] in (1, 3, 4)
        and str(space.get("dtype")) == "uint8"
        and lows == {"0"}
        and highs == {"255"}
    )


def _sb3_task(data: dict[str, Any]) -> str | None:
    task = data.get("mosaic_task")  # written by `mosaic-tui train`
    return str(task) if task else None


def _trusted_activation(where: str, data: dict[str, Any]) -> str:
    """The activation, from SB3's own load (it unpickles): only with trust."""
    try:
        import base64

        import cloudpickle  # SB3 depends on it
    except ImportError:
        raise PolicyError(
            f"{where}: reading its pickled policy_kwargs needs stable-baselines3: {INSTALL}"
        ) from None
    kwargs = cloudpickle.loads(base64.b64decode(data["policy_kwargs"][":serialized:"]))
    cls = kwargs.get("activation_fn")
    name = getattr(cls, "__name__", "Tanh").lower()
    if name not in ("tanh", "relu"):
        raise PolicyError(f"{where}: activation {name!r} is not one of tanh, relu")
    return name
