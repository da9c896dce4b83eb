"""Replay (key p on the results screen): a recorded episode played again by its env from the
seed and the recorded actions (runtime/replay.py), drawn in a pane: play and pause, step
forward and back, speed; `[` `]` other episodes, `o` the next operator. Frames are kept as
they come, so stepping back shows them again. A replay that does not reproduce the recording
says at which step: the env is not deterministic under that seed. The store is read in a
thread; a read that fails (a damaged file, a disk error) is said in the status line.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from mosaic_tui.app.screens.results import unreadable
from mosaic_tui.app.widgets.frame_view import FrameView
from mosaic_tui.experiments.recorded import NotRecorded, RecordedEpisode, recorded_episode
from mosaic_tui.protocol import Frame, FrameRequest
from mosaic_tui.render.text import safe
from mosaic_tui.runtime.process import WorkerError
from mosaic_tui.runtime.replay import EpisodeReplay
from mosaic_tui.telemetry import TelemetryError, TelemetryStore

SPEEDS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)  # frames a second


class ReplayScreen(Screen):  # type: ignore[type-arg]
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the results"),
        Binding("space", "toggle", "Play/Pause"),
        Binding("right,l", "forward", "Step", key_display="→"),
        Binding("left,h", "back", "Back a step", key_display="←"),
        Binding("plus,equals_sign", "faster", "Faster", key_display="+"),
        Binding("minus", "slower", "Slower", key_display="-"),
        Binding("right_square_bracket", "episode(1)", "Next episode", key_display="]"),
        Binding("left_square_bracket", "episode(-1)", "Previous", key_display="["),
        Binding("o", "operator", "Operator", tooltip="Replay the next operator's episode"),
    ]

    def __init__(
        self,
        db: Path,
        session_id: str,
        operators: list[str],
        episode: int = 0,
        names: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.db, self.session_id = db, session_id
        self.operators = operators
        self.names = names or {}  # operator id -> the name it was given (shown beside it)
        self.operator = operators[0]
        self.episode = episode
        self.frames: list[Frame] = []
        self.steps: list[int] = []  # the step index of each frame (0: the reset)
        self.at = 0
        self.playing = True
        self.speed = 4  # index into SPEEDS
        self.mismatch: str | None = None
        self.loading = False
        self.total: int | None = None  # the recorded episode's length
        self.seed: int | None = None
        self.problem: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="replay-title")
        yield FrameView(id="replay-view")
        yield Static("", id="replay-status")
        yield Footer()

    def on_mount(self) -> None:
        status = self.query_one("#replay-status", Static).styles
        status.height, status.min_height = "auto", 2  # a long problem is read whole, not cut
        self.timer = self.set_interval(1 / SPEEDS[self.speed], self._tick)
        self.call_after_refresh(self.load)

    # ------------------------------------------------------------------ loading

    def load(self) -> None:
        self.frames, self.steps, self.at = [], [], 0
        self.mismatch = self.problem = None
        self.total = self.seed = None
        self._replay()

    @work(exclusive=True, group="replay")
    async def _replay(self) -> None:
        self.loading = True
        self._draw()
        try:
            self.episode, chosen = await asyncio.to_thread(self._read, self.operator, self.episode)
            self.total, self.seed = chosen.length, chosen.seed
            width, height = self.query_one(FrameView).size
            box = FrameRequest(max(width, 8), max(height * 2, 8))
            async for replayed in EpisodeReplay(chosen.config, chosen.seed, chosen.steps,
                                                box).play():  # fmt: skip
                if replayed.frame is not None:
                    self.frames.append(replayed.frame)
                    self.steps.append(replayed.step_index)
                if replayed.mismatch and self.mismatch is None:
                    self.mismatch = f"step {replayed.step_index}: {replayed.mismatch}"
                if len(self.frames) == 1:
                    self._show()
        except (TelemetryError, NotRecorded, WorkerError, ValueError, KeyError) as exc:
            self.problem = str(exc.args[0] if exc.args else exc)
        except (sqlite3.DatabaseError, OSError) as exc:
            self.problem = unreadable(self.db, exc, "this episode")
        finally:
            self.loading = False
            self._draw()

    def _read(self, operator: str, episode: int) -> tuple[int, RecordedEpisode]:
        """The episode to replay and its index (past the last: the last), read in a thread."""
        with TelemetryStore.open(self.db) as store:
            try:
                return episode, recorded_episode(store, self.session_id, operator, episode)
            except NotRecorded:
                runs = [r for r in store.runs(self.session_id) if r.operator_id == operator]
                last = max(0, len(store.episodes(runs[-1].run_id)) - 1) if runs else episode
                if last == episode:
                    raise
                return last, recorded_episode(store, self.session_id, operator, last)

    # ------------------------------------------------------------------ playing

    def _tick(self) -> None:
        if self.playing and self.at < len(self.frames) - 1:
            self.at += 1
            self._show()
        elif self.playing and not self.loading and self.frames:
            self.playing = False  # the end: stay on the last frame
            self._draw()

    def _show(self) -> None:
        if self.frames:
            self.query_one(FrameView).show(self.frames[self.at].to_array())
        self._draw()

    def _draw(self) -> None:
        # counted from 1, as a pane's "ep N" counts them (the store's index is from 0)
        name = self.names.get(self.operator, "")
        who = self.operator if name in ("", self.operator) else f"{self.operator} ({name})"
        title = (f"Replay · {who} · episode {self.episode + 1}"
                 f" · seed {self.seed if self.seed is not None else '-'}")  # fmt: skip
        self.query_one("#replay-title", Static).update(safe(title))
        step = self.steps[self.at] if self.steps else 0
        parts = [f"step {step}/{self.total if self.total is not None else '?'}",
                 f"{SPEEDS[self.speed]:g} steps/s",
                 "playing" if self.playing else "paused"]  # fmt: skip
        if self.loading:
            parts.append("replaying…")
        text = safe(" · ".join(parts))
        if self.problem:
            text += f"\n[red]{safe(self.problem)}[/red]"
        elif self.mismatch:
            text += (f"\n[red]the replay differs from the recording at {safe(self.mismatch)}:"
                     " the env is not deterministic under this seed[/red]")  # fmt: skip
        elif not self.loading and self.frames:
            text += "\n[green]the replay matches the recording step for step[/green]"
        self.query_one("#replay-status", Static).update(text)

    def action_toggle(self) -> None:
        if not self.playing and self.at >= len(self.frames) - 1:
            self.at = 0  # from the start again
        self.playing = not self.playing
        self._show()

    def action_forward(self) -> None:
        self.playing = False
        self.at = min(self.at + 1, max(len(self.frames) - 1, 0))
        self._show()

    def action_back(self) -> None:
        self.playing = False
        self.at = max(self.at - 1, 0)
        self._show()

    def action_faster(self) -> None:
        self._pace(min(self.speed + 1, len(SPEEDS) - 1))

    def action_slower(self) -> None:
        self._pace(max(self.speed - 1, 0))

    def _pace(self, index: int) -> None:
        self.speed = index
        self.timer.stop()
        self.timer = self.set_interval(1 / SPEEDS[index], self._tick)
        self._draw()

    def action_episode(self, delta: int) -> None:
        self.episode = max(0, self.episode + delta)
        self.playing = True
        self.load()

    def action_operator(self) -> None:
        index = self.operators.index(self.operator)
        self.operator = self.operators[(index + 1) % len(self.operators)]
        self.episode, self.playing = 0, True
        self.load()
