"""pack/unpack: numpy arrays inside observations survive JSON exactly (dtype, shape, bytes)."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from mosaic_tui.protocol import decode_event, encode, pack, unpack
from mosaic_tui.protocol.arrays import TAG
from mosaic_tui.protocol.messages import StepResult


def _observation() -> dict:
    rng = np.random.default_rng(0)
    return {
        "image": rng.integers(0, 11, (7, 7, 3), dtype=np.uint8),
        "direction": 2,
        "mission": "get to the green goal square",
        "vec": rng.standard_normal(4).astype(np.float32),
        "nested": [
            (np.arange(6, dtype=np.int64).reshape(2, 3), np.array([True, False, True])),
            {"deep": np.array([3.5]), "empty": np.zeros((0, 3), np.int16)},
        ],
        "big_endian": np.arange(5, dtype=">i4"),
        "fortran": np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4)),
        "strided": np.arange(20, dtype=np.uint16).reshape(4, 5)[:, ::2],
        "scalar": np.float32(1.25),
        "int_scalar": np.int64(7),
        "none": None,
    }


def _assert_same_array(got, want) -> None:
    assert isinstance(got, np.ndarray)
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_round_trip_through_json_restores_every_array() -> None:
    obs = _observation()
    wire = json.loads(json.dumps(pack(obs)))  # really through JSON text
    back = unpack(wire)
    assert set(back) == set(obs)
    for key in ("image", "vec", "big_endian", "fortran", "strided"):
        _assert_same_array(back[key], obs[key])
    (pair, inner) = back["nested"]
    assert isinstance(pair, list)  # tuples come back as lists
    _assert_same_array(pair[0], obs["nested"][0][0])
    _assert_same_array(pair[1], obs["nested"][0][1])
    _assert_same_array(inner["deep"], obs["nested"][1]["deep"])
    _assert_same_array(inner["empty"], obs["nested"][1]["empty"])
    assert back["direction"] == 2 and back["mission"] == obs["mission"]
    assert back["none"] is None


def test_numpy_scalars_become_plain_python_numbers() -> None:
    packed = pack({"f": np.float32(1.25), "i": np.int64(7), "b": np.bool_(True)})
    assert packed == {"f": 1.25, "i": 7, "b": True}
    assert type(packed["f"]) is float and type(packed["i"]) is int and type(packed["b"]) is bool


def test_packed_arrays_are_compact_tagged_objects() -> None:
    image = np.zeros((7, 7, 3), np.uint8)
    packed = pack(image)
    assert set(packed) == {TAG, "dtype", "shape"}
    assert packed["shape"] == [7, 7, 3]
    assert len(base64.b64decode(packed[TAG])) == image.nbytes
    # far smaller than the same array as lists
    assert len(json.dumps(packed)) < len(json.dumps(image.tolist())) / 2


def test_pack_does_not_modify_its_input_and_keys_become_strings() -> None:
    obs = {1: np.arange(3), "t": (1, 2)}
    packed = pack(obs)
    assert isinstance(obs[1], np.ndarray) and obs["t"] == (1, 2)
    assert set(packed) == {"1", "t"}
    json.dumps(packed)


def test_plain_json_values_pass_through_unchanged() -> None:
    value = {"a": [1, 2.5, "x", None, True, {"b": []}]}
    assert pack(value) == value
    assert unpack(value) == value


def test_packed_observation_survives_an_event_round_trip() -> None:
    obs = _observation()
    event = decode_event(encode(StepResult(step_index=1, observation=pack(obs))))
    back = unpack(event.observation)
    _assert_same_array(back["image"], obs["image"])
    _assert_same_array(back["nested"][1]["deep"], obs["nested"][1]["deep"])


def _good() -> dict:
    return pack(np.arange(6, dtype=np.int32).reshape(2, 3))


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda p: p | {TAG: "@@@not base64@@@"},
        lambda p: p | {TAG: p[TAG][:-4]},  # bytes do not fill the shape
        lambda p: p | {"shape": [4, 4]},  # shape does not match the bytes
        lambda p: p | {"shape": "2x3"},
        lambda p: p | {"dtype": "not-a-dtype"},
        lambda p: p | {"dtype": "|O"},  # object arrays cannot come from bytes
        lambda p: {k: v for k, v in p.items() if k != "dtype"},
        lambda p: {k: v for k, v in p.items() if k != "shape"},
        lambda p: p | {TAG: 12345},
    ],
)
def test_corrupt_packed_array_is_a_value_error(corrupt) -> None:
    bad = corrupt(_good())
    with pytest.raises(ValueError, match="bad packed array"):
        unpack(bad)
    # also when it is buried in an observation
    with pytest.raises(ValueError, match="bad packed array"):
        unpack({"obs": [1, {"image": bad}]})


def test_zero_dimensional_array_keeps_its_shape() -> None:
    value = np.array(3.5, dtype=np.float32)
    back = unpack(json.loads(json.dumps(pack({"x": value}))))["x"]
    _assert_same_array(back, value)


def test_the_good_baseline_of_the_corruption_cases_unpacks() -> None:
    _assert_same_array(unpack(_good()), np.arange(6, dtype=np.int32).reshape(2, 3))
