"""Bytes on the pipe per step: our step event with an 80x48 frame vs the reference's.

Reference: the step event with `render_payload.rgb` = the full 256x256 frame as JSON lists
(what its InteractiveRuntime sends). Measured: our `step` event, frame fitted to 80x48 pixels
and deflated. Target (issue 2): measured <= 1/100 of reference.
"""

from __future__ import annotations

import json

import numpy as np

TASK = "MiniGrid-Empty-8x8-v0"


def run(quick: bool = False) -> list[str]:
    import gymnasium
    import minigrid  # noqa: F401

    from mosaic_tui.protocol import FrameRequest, StepResult, encode, fit_frame

    env = gymnasium.make(TASK, render_mode="rgb_array")
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    ours = reference = 0
    n = 10 if quick else 50
    for i in range(n):
        _, reward, term, trunc, _ = env.step(int(rng.integers(3)))
        frame = env.render()
        common = {
            "step_index": i + 1,
            "action": 2,
            "reward": float(reward),
            "terminated": bool(term),
            "truncated": bool(trunc),
        }
        reference += len(
            json.dumps(
                {
                    "type": "step",
                    **common,
                    "episode_reward": 0.0,
                    "render_payload": {
                        "mode": "rgb",
                        "rgb": frame.tolist(),
                        "width": 256,
                        "height": 256,
                    },
                }
            )
        )
        ours += len(
            encode(
                StepResult(
                    **common, episode_return=0.0, frame=fit_frame(frame, FrameRequest(80, 48))
                )
            )
        )
        if term or trunc:
            env.reset(seed=i)
    ours_avg, ref_avg = ours / n, reference / n
    print(
        f"wire: {n} steps of {TASK}; reference {ref_avg:,.0f} B/step, ours {ours_avg:,.0f} B/step"
    )
    return [
        f"{'bytes per step, 80x48 frame':<44} {ours_avg:>12,.0f} {ref_avg:>12,.0f} "
        f"{ours_avg / ref_avg:>8.4f}  <= 0.0100"
    ]
