"""Frames: fitting to a pane, area downsampling, wire encodings, and their size on the wire."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mosaic_tui.protocol import (
    Frame,
    FrameError,
    FrameRequest,
    StepResult,
    area_downsample,
    encode,
    fit_frame,
    fit_size,
)

# --------------------------------------------------------------------------- fit_size


@pytest.mark.parametrize(
    ("src", "box", "expected"),
    [
        ((600, 400), (80, 48), (72, 48)),  # CartPole into a pane: height binds
        ((256, 256), (80, 48), (48, 48)),  # square into a wide box
        ((400, 600), (80, 48), (32, 48)),  # portrait
        ((1000, 100), (80, 48), (80, 8)),  # width binds
        ((10, 10), (80, 48), (10, 10)),  # smaller than the box: never upscaled
        ((80, 48), (80, 48), (80, 48)),  # exact fit
        ((1000, 1), (10, 10), (10, 1)),  # never collapses to zero
    ],
)
def test_fit_size_examples(src, box, expected) -> None:
    assert fit_size(*src, *box) == expected


def test_fit_size_keeps_aspect_fills_the_box_and_never_upscales() -> None:
    rng = np.random.default_rng(0)
    for _ in range(2000):
        sw, sh, bw, bh = (int(x) for x in rng.integers(1, 700, size=4))
        w, h = fit_size(sw, sh, bw, bh)
        assert 1 <= w <= min(sw, bw)
        assert 1 <= h <= min(sh, bh)
        # aspect kept: each side is the other scaled by the source ratio, within rounding
        if w > 1 and h > 1:
            assert abs(w - h * sw / sh) <= 0.5 + sw / sh / 2 + 1e-9
            assert abs(h - w * sh / sw) <= 0.5 + sh / sw / 2 + 1e-9
        # largest such size: one side reaches its limit (box or source size)
        assert w == min(bw, sw) or h == min(bh, sh)


# --------------------------------------------------------------------------- area_downsample


def test_area_downsample_of_constant_blocks_gives_the_block_colours() -> None:
    colours = np.array([[[255, 0, 0], [0, 255, 0]], [[0, 0, 255], [17, 99, 201]]], np.uint8)
    image = np.repeat(np.repeat(colours, 4, axis=0), 4, axis=1)  # 8x8, 4x4 blocks
    assert image.shape == (8, 8, 3)
    out = area_downsample(image, 2, 2)
    assert out.dtype == np.uint8 and out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out, colours)


def test_area_downsample_averages_each_block_exactly() -> None:
    # 4x4 blocks with varied pixels; the output pixel is the block mean (integer here)
    image = np.zeros((8, 8, 3), np.uint8)
    image[:4, :4] = [[0], [40], [80], [120]]  # rows 0..3 of block (0,0): mean 60
    image[:4, 4:, 0] = 200
    image[:2, 4:, 1] = 100  # half the block at 100, half at 0: mean 50
    image[4:, :4, 2] = np.arange(16).reshape(4, 4) * 2  # 0..30 step 2: mean 15
    image[4:, 4:] = 7
    out = area_downsample(image, 2, 2)
    np.testing.assert_array_equal(out[0, 0], [60, 60, 60])
    np.testing.assert_array_equal(out[0, 1], [200, 50, 0])
    np.testing.assert_array_equal(out[1, 0], [0, 0, 15])
    np.testing.assert_array_equal(out[1, 1], [7, 7, 7])


def test_area_downsample_non_integer_ratio_by_hand() -> None:
    # 5x5 -> 2x2: each output pixel covers 2.5 x 2.5 source pixels, so the middle row and
    # column are shared. Pixel value v = 20*row + 2*col. Exact area means are 17.6, 22.4,
    # 65.6, 70.4; a box filter that assigns the shared pixel to one side lands within one
    # source pixel's step (20 per row + 2 per column = 22) of them, never outside its box.
    rows, cols = np.mgrid[0:5, 0:5]
    value = (20 * rows + 2 * cols).astype(np.uint8)
    image = np.stack([value, value, 255 - value], axis=2)
    out = area_downsample(image, 2, 2)
    exact = np.array([[17.6, 22.4], [65.6, 70.4]])
    assert (np.abs(out[..., 0] - exact) <= 11).all()
    assert out[0, 0, 0] < out[0, 1, 0] < out[1, 0, 0] < out[1, 1, 0]
    np.testing.assert_array_equal(out[..., 2], 255 - out[..., 0].astype(int))


def test_area_downsample_is_within_one_level_of_the_block_mean() -> None:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (96, 128, 3), dtype=np.uint8)
    out = area_downsample(image, 32, 24).astype(float)
    exact = image.reshape(24, 4, 32, 4, 3).mean(axis=(1, 3))
    assert np.abs(out - exact).max() <= 1.0
    # a 2x2 block of 10, 11, 11, 11 (mean 10.75) becomes 11, not a truncated 10
    block = np.array([[[10] * 3, [11] * 3], [[11] * 3, [11] * 3]], np.uint8)
    assert area_downsample(block, 1, 1).tolist() == [[[11, 11, 11]]]


def test_area_downsample_no_overflow_on_bright_images() -> None:
    image = np.full((64, 64, 3), 255, np.uint8)
    np.testing.assert_array_equal(area_downsample(image, 7, 5), np.full((5, 7, 3), 255))


def test_area_downsample_never_upscales_and_drops_alpha() -> None:
    rgba = np.random.default_rng(1).integers(0, 256, (6, 9, 4), dtype=np.uint8)
    same = area_downsample(rgba, 20, 20)
    assert same.shape == (6, 9, 3)
    np.testing.assert_array_equal(same, rgba[..., :3])
    # one side shrinks, the other stays
    assert area_downsample(rgba, 3, 100).shape == (6, 3, 3)


def test_fit_frame_keeps_aspect_and_returns_a_frame() -> None:
    image = np.zeros((400, 600, 3), np.uint8)
    image[:, 300:] = (10, 20, 30)
    frame = fit_frame(image, FrameRequest(80, 48))
    assert (frame.width, frame.height) == (72, 48)
    pixels = frame.to_array()
    # left half black, right half the colour (72 columns: 36 each, no straddling box)
    np.testing.assert_array_equal(pixels[:, :36], 0)
    np.testing.assert_array_equal(pixels[:, 36:], np.broadcast_to([10, 20, 30], (48, 36, 3)))


# --------------------------------------------------------------------------- wire encodings


@pytest.mark.parametrize("encoding", ["zlib", "raw", "png"])
@pytest.mark.parametrize("shape", [(1, 1), (5, 7), (48, 80), (3, 200)])
def test_every_wire_encoding_round_trips_bytes_exactly(encoding, shape) -> None:
    rng = np.random.default_rng(sum(shape))
    image = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    frame = Frame.from_array(image)
    wire = frame.to_wire(encoding)
    json.dumps(wire)  # JSON-ready
    back = Frame.from_wire(wire)
    assert back == frame
    assert back.data == image.tobytes()
    np.testing.assert_array_equal(back.to_array(), image)


def test_from_array_takes_a_non_contiguous_view_and_rgba() -> None:
    image = np.random.default_rng(2).integers(0, 256, (10, 12, 4), dtype=np.uint8)
    view = image[::2, ::3]
    frame = Frame.from_array(view)
    assert (frame.width, frame.height) == (4, 5)
    np.testing.assert_array_equal(frame.to_array(), view[..., :3])


def test_unknown_encoding_is_a_frame_error() -> None:
    frame = Frame.from_array(np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(FrameError):
        frame.to_wire("jpeg")
    wire = frame.to_wire("raw") | {"enc": "jpeg"}
    with pytest.raises(FrameError, match="jpeg"):
        Frame.from_wire(wire)


def test_from_array_rejects_a_two_dimensional_image() -> None:
    with pytest.raises(FrameError):
        Frame.from_array(np.zeros((4, 4), np.uint8))


def _minigrid_like(size: int = 256, tiles: int = 8) -> np.ndarray:
    """A MiniGrid-like frame: grey walls round a black floor with grid lines, a goal, an agent."""
    tile = size // tiles
    image = np.zeros((size, size, 3), np.uint8)
    image[::tile, :] = (100, 100, 100)  # grid lines
    image[:, ::tile] = (100, 100, 100)
    wall = np.zeros((size, size), bool)
    wall[:tile, :] = wall[-tile:, :] = wall[:, :tile] = wall[:, -tile:] = True
    image[wall] = (100, 100, 100)
    image[-2 * tile + 1 : -tile, -2 * tile + 1 : -tile] = (0, 255, 0)  # goal
    ys, xs = np.mgrid[0:tile, 0:tile]
    triangle = (xs > tile // 4) & (np.abs(ys - tile // 2) < (xs - tile // 4) // 2)
    agent = image[tile : 2 * tile, tile : 2 * tile]
    agent[triangle] = (255, 0, 0)
    return image


def test_zlib_frame_for_a_pane_is_under_a_hundredth_of_json_lists() -> None:
    frame256 = _minigrid_like()
    as_lists = len(json.dumps(frame256.tolist()))
    frame = fit_frame(frame256, FrameRequest(80, 48))
    assert (frame.width, frame.height) == (48, 48)
    line = encode(StepResult(step_index=1, frame=frame), frame_encoding="zlib")
    assert len(line) < as_lists / 100
    # and it still carries the picture: the goal's green survives the downsampling
    assert (frame.to_array()[..., 1] > 200).any()


# --------------------------------------------------------------------------- FrameRequest


@pytest.mark.parametrize(
    ("width", "height", "encoding"),
    [(0, 10, "zlib"), (10, 0, "zlib"), (-5, 10, "raw"), (10, 10, "jpeg"), (10, 10, "")],
)
def test_frame_request_validation(width, height, encoding) -> None:
    with pytest.raises(ValueError):
        FrameRequest(width, height, encoding)


def test_frame_request_wire_round_trip_and_errors() -> None:
    request = FrameRequest(80, 48, "png")
    assert FrameRequest.from_wire(request.to_wire()) == request
    # no encoding: the worker's own default (its --frame-encoding) applies
    assert FrameRequest.from_wire({"width": 8, "height": 4}).encoding is None
    for bad in (
        [80, 48],
        "80x48",
        {"width": 8},
        {"width": "wide", "height": 4},
        {"width": 0, "height": 4},
        {"width": 8, "height": 4, "encoding": "bmp"},
    ):
        with pytest.raises(FrameError):
            FrameRequest.from_wire(bad)
