"""ONNX policies (the `onnx` extra: onnxruntime to play, onnx to write one).

A policy model takes the features worker_common/trained.py makes from the observation (flattened,
or MiniGrid's image in the `minigrid_image` preprocessing, reshaped to the model's input) and
gives one score per action: logits or Q-values, the best legal one played. How the input is
made, the task and a note travel in the model's metadata (`mosaic_preprocess`, `mosaic_task`,
`mosaic_note`); a model without them takes the observation flattened. ONNX holds operators
and weights, never Python code, so no trust setting is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from worker_common.trained import ACTIVATIONS, PREPROCESS, Policy, PolicyError

INSTALL = "pip install 'mosaic-tui[onnx]'"


def load_onnx(path: str | Path) -> Policy:
    where = str(path)
    try:
        import onnxruntime as ort
    except ImportError:
        raise PolicyError(
            f"{where} is an ONNX model; playing it needs onnxruntime: {INSTALL}"
        ) from None
    try:
        session = ort.InferenceSession(where, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own kinds for a broken file
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise PolicyError(f"{where} is not an ONNX model onnxruntime reads: {first}") from None
    inputs, outputs = session.get_inputs(), session.get_outputs()
    dims = [d for d in inputs[0].shape[1:]]
    out = outputs[0].shape[-1] if outputs[0].shape else None
    if len(inputs) != 1 or not all(isinstance(d, int) for d in dims) or not isinstance(out, int):
        raise PolicyError(
            f"{where}: a policy model takes one input (batch, features...) with fixed sizes and"
            f" gives (batch, actions); this one takes {[i.shape for i in inputs]} and gives"
            f" {outputs[0].shape}"
        )
    meta = session.get_modelmeta().custom_metadata_map
    preprocess = meta.get("mosaic_preprocess", "flat")
    if preprocess not in PREPROCESS:
        raise PolicyError(f"{where}: mosaic_preprocess {preprocess!r} is not one of"
                          f" {', '.join(PREPROCESS)}")
    name, shape = inputs[0].name, [1, *dims]

    def score(x: np.ndarray) -> np.ndarray:
        (result,) = session.run([outputs[0].name], {name: x.astype(np.float32).reshape(shape)})
        return np.asarray(result, dtype=np.float64).reshape(-1)

    return Policy(
        "mlp",
        int(out),
        int(np.prod(dims)),
        where,
        task=meta.get("mosaic_task"),
        note=meta.get("mosaic_note") or "ONNX model",
        preprocess=preprocess,
        scorer=score,
    )


def save_onnx(
    path: str | Path,
    layers: list[tuple[np.ndarray, np.ndarray]],
    task: str,
    activation: str = "tanh",
    note: str = "",
    preprocess: str = "flat",
) -> None:
    """An MLP (rl_worker's (in, out) layers) as an ONNX graph of Gemm and the activation."""
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        raise PolicyError(f"writing an ONNX model needs onnx: {INSTALL}") from None
    if activation not in ACTIVATIONS:
        raise PolicyError(f"activation {activation!r} is not one of tanh, relu")
    nodes: list[Any] = []
    weights = []
    current = "features"
    for i, (w, b) in enumerate(layers):
        weights += [
            numpy_helper.from_array(np.asarray(w, np.float32), f"w{i}"),
            numpy_helper.from_array(np.asarray(b, np.float32), f"b{i}"),
        ]
        out = "scores" if i == len(layers) - 1 else f"h{i}"
        nodes.append(helper.make_node("Gemm", [current, f"w{i}", f"b{i}"], [out]))
        if i < len(layers) - 1:
            nodes.append(helper.make_node(activation.capitalize(), [out], [f"a{i}"]))
            out = f"a{i}"
        current = out
    n_in, n_out = layers[0][0].shape[0], layers[-1][0].shape[1]
    graph = helper.make_graph(
        nodes,
        "policy",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, n_in])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, n_out])],
        weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8  # what onnxruntime of the last years reads
    for key, value in (("mosaic_task", task), ("mosaic_note", note),
                       ("mosaic_preprocess", preprocess)):
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
