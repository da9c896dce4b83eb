"""A VLM player: the LLM worker shows the frame (a PNG data URI, fitted to `image_size`) with
the words, to an endpoint that takes images (the stand-in endpoint records them)."""

from __future__ import annotations

import asyncio
import base64
import io
from pathlib import Path

import numpy as np
from llm_worker.mock_server import start
from PIL import Image

from mosaic_tui.core import OperatorConfig
from mosaic_tui.protocol import Frame
from mosaic_tui.runtime import OperatorRunner, StepTaken


def png_size(url: str) -> tuple[int, int]:
    assert url.startswith("data:image/png;base64,")
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as image:
        return image.size


def test_the_frame_goes_with_the_words_fitted_to_the_image_size(spawn) -> None:
    server, url = start("first", seed=1)
    try:
        client = spawn(
            "llm_worker", "--model", "m", "--base-url", url, "--image-size", "32x32"
        )
        client.read_type("init")
        client.request(
            {"cmd": "init_agent", "player_id": "agent", "game": "g",
             "action_space": {"n": 3}, "labels": ["a", "b", "c"], "req": 1},
            "agent_ready",
        )  # fmt: skip
        frame = Frame.from_array(np.full((64, 128, 3), 200, dtype=np.uint8)).to_wire()
        event = client.request(
            {"cmd": "select_action", "frame": frame, "req": 2}, "action_selected"
        )
        images = server.RequestHandlerClass.images
        assert len(images) == 1 and png_size(images[0]) == (32, 16)  # aspect kept
        assert event["record"]["image_chars"] == len(images[0])
        client.request({"cmd": "select_action", "req": 3}, "action_selected")
        assert len(images) == 1  # no frame, no image: an LLM turn as before
    finally:
        server.shutdown()


def test_a_vlm_player_is_shown_each_frame_by_the_runner(tmp_path: Path) -> None:
    server, url = start("random", seed=2)
    try:
        config = OperatorConfig.single_agent(
            "see", "see", "llm_worker", "vlm", env_name="minigrid",
            task="MiniGrid-Empty-5x5-v0", max_steps=3,
            settings={"model": "m", "base_url": url, "image_size": "64x64"},
        )  # fmt: skip
        runner = OperatorRunner(config, log_dir=tmp_path)  # headless: no pane asks for frames

        async def play() -> list:
            events: list = []
            runner.listeners.append(events.append)
            await runner.start()
            try:
                await runner.run_episodes([1])
            finally:
                await runner.stop()
            return events

        events = asyncio.run(play())
        assert len([e for e in events if isinstance(e, StepTaken)]) == 3
        images = server.RequestHandlerClass.images
        assert len(images) == 3 and all(png_size(i) == (64, 64) for i in images)
    finally:
        server.shutdown()
