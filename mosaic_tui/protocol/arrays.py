"""Observations on the wire: numpy arrays as base64 of their bytes, inside plain JSON.

A MiniGrid observation is a dict with a 7x7x3 image; as lists it would dominate every
message. `pack` turns arrays (at any depth of dicts, lists and tuples) into small tagged
objects and `unpack` restores them.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

TAG = "__ndarray__"


def pack(value: Any) -> Any:
    """A JSON-ready copy of an observation."""
    if isinstance(value, np.ndarray):
        data = np.require(value, requirements="C")  # keeps 0-d arrays 0-d
        return {
            TAG: base64.b64encode(data.tobytes()).decode("ascii"),
            "dtype": data.dtype.str,
            "shape": list(data.shape),
        }
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): pack(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [pack(v) for v in value]
    return value


def unpack(value: Any) -> Any:
    """The observation `pack` was given (tuples come back as lists)."""
    if isinstance(value, dict):
        if TAG in value:
            try:
                raw = base64.b64decode(value[TAG], validate=True)
                return np.frombuffer(raw, dtype=np.dtype(value["dtype"])).reshape(value["shape"])
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"bad packed array: {exc}") from None
        return {k: unpack(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unpack(v) for v in value]
    return value
