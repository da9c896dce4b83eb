"""The app on screen: 4 MiniGrid operators at 30 steps/s each, in a real pseudo-terminal.

Measured: CPU of the app and all its workers (cores), bytes the app writes to the terminal
per second, and the steps per second it actually achieved. Baseline (same run): the same app
repainting whole panes on every frame (`FrameView.repaint_all`, set by this benchmark in the
app's process), i.e. without refreshing only the rows that changed. Targets (issue 3): <= 1 core
in total and <= 300 KB/s.

Also: key press -> the human's pane repainted with the new frame, with 4 operators running at
30 steps/s (headless Textual, Pilot), against the same with the human alone: from the moment the
pane receives the key to the moment its lines are drawn with the new frame. Target: <= 50 ms.
"""

from __future__ import annotations

import asyncio
import os
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from fcntl import ioctl
from pathlib import Path

OPS = 4
PACE = 30.0
SIZE = (120, 40)


def experiment(operators: int) -> str:
    """`operators` MiniGrid operators, random baselines, 30-step episodes (one a second)."""
    return """
[execution]
seed = 1
max_steps = 30
""" + "".join(
        f"""
[[operators]]
id = "op{i}"
env_name = "minigrid"
task = "MiniGrid-Empty-8x8-v0"
workers.agent = {{ type = "baseline", behavior = "random" }}
"""
        for i in range(operators)
    )


# `mosaic-tui ARGS...` with the pane switch set first: argv[1] is "True" for full repaints.
APP_MAIN = """
import sys
from mosaic_tui.app.widgets.frame_view import FrameView
FrameView.repaint_all = sys.argv[1] == "True"
from mosaic_tui.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _cpu_seconds(root: int, alone: bool = False) -> float:
    """utime + stime of a process and every live descendant (`alone`: of the process only)."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
    if alone:
        return times.get(root, 0.0)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo += [child for child, parent in parents.items() if parent == pid]
    return total


def _memory_mib(root: int) -> float:
    """PSS of a process and every live descendant (shared pages counted once), MiB."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
        todo += [child for child, parent in parents.items() if parent == pid]
    return total


def on_screen(
    repaint_all: bool,
    warmup: float,
    window: float,
    colors: str = "auto",
    operators: int = OPS,
    size: tuple[int, int] = SIZE,
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        exp = Path(tmp) / "operators.toml"
        exp.write_text(experiment(operators))
        db = Path(tmp) / "runs.sqlite"
        env = {
            **os.environ,
            "COLORTERM": "truecolor",
            "TERM": "xterm-256color",
            "MOSAIC_TUI_STATE_DIR": tmp,
        }
        master, slave = pty.openpty()
        ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                APP_MAIN,
                str(repaint_all),
                "app",
                str(exp),
                "--pace",
                str(PACE),
                "--db",
                str(db),
                "--colors",
                colors,
            ],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        count = [0]

        def drain() -> None:
            while True:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    return
                if not data:
                    return
                count[0] += len(data)

        threading.Thread(target=drain, daemon=True).start()
        from mosaic_tui.telemetry import TelemetryStore

        def recorded() -> int:  # steps of finished episodes (30 steps: one a second)
            try:
                with TelemetryStore.open(db) as store:
                    return sum(len(store.step_table(r.run_id)) for r in store.runs())
            except Exception:  # not created yet, or busy: nothing to count yet
                return 0

        time.sleep(warmup)
        # and until every operator has played two episodes: 16 workers take several seconds
        # (and cores) to start on a small machine, which is not what is measured here
        settled = time.monotonic() + 60.0
        while recorded() < operators * 60 and time.monotonic() < settled:
            time.sleep(0.5)
        app0 = _cpu_seconds(proc.pid, alone=True)
        bytes0, cpu0, t0, steps0 = count[0], _cpu_seconds(proc.pid), time.monotonic(), recorded()
        time.sleep(window)
        bytes1, cpu1, t1, steps1 = count[0], _cpu_seconds(proc.pid), time.monotonic(), recorded()
        app1 = _cpu_seconds(proc.pid, alone=True)
        memory = _memory_mib(proc.pid)
        os.write(master, b"q")
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        os.close(master)
        elapsed = t1 - t0
        return {
            "cores": (cpu1 - cpu0) / elapsed,
            "app_cores": (app1 - app0) / elapsed,  # the app's process alone, not its workers
            "kbps": (bytes1 - bytes0) / 1024 / elapsed,
            "fps": (steps1 - steps0) / elapsed / operators,
            "mib": memory,
        }


async def key_latency(others: int, presses: int, size: tuple[int, int] = SIZE) -> list[float]:
    from mosaic_tui.app.app import MosaicApp
    from mosaic_tui.app.widgets.frame_pane import FramePane
    from mosaic_tui.core import OperatorConfig

    configs = [
        OperatorConfig.single_agent(
            "me",
            "me",
            "human",
            "human",
            env_name="minigrid",
            task="MiniGrid-Empty-8x8-v0",
            settings={},
            max_steps=1000,
        )
    ]
    configs += [
        OperatorConfig.single_agent(
            f"ai{i}",
            "ai",
            "baseline_worker",
            "baseline",
            env_name="minigrid",
            task="MiniGrid-Empty-8x8-v0",
            settings={"behavior": "random"},
            max_steps=100,
        )
        for i in range(others)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        app = MosaicApp(configs, log_dir=Path(tmp), pace=PACE)
        delays: list[float] = []
        async with app.run_test(size=size) as pilot:
            while len(app.session.runners) < len(configs) or any(
                r.episode < 0 for r in app.session.runners.values()
            ):
                await pilot.pause(0.05)
            await pilot.pause(1.0)
            pane = app.query_one("#pane-me", FramePane)
            pane.focus()
            view = pane.view
            keyed: list[float] = []
            drawn: list[tuple[float, int]] = []  # (when, frames painted into the view by then)
            original_paint, original_key = view.render_lines, FramePane.on_key

            def spy_paint(crop):  # the screen draws the view's lines (every redraw over it)
                drawn.append((time.perf_counter(), view.frames_shown))
                return original_paint(crop)

            def spy_key(self, event) -> None:  # when the pane receives the key
                keyed.append(time.perf_counter())
                original_key(self, event)

            view.render_lines = spy_paint  # type: ignore[method-assign]
            FramePane.on_key = spy_key  # type: ignore[method-assign]
            try:
                for i in range(presses):
                    shown = view.frames_shown
                    keyed.clear()
                    drawn.clear()
                    # turning always redraws; `press` returns once the app is idle (at most
                    # 2 s with others running), so the first drawing of the new frame is
                    # looked up afterwards, not waited for
                    await pilot.press("left" if i % 2 else "right")
                    while not keyed or not any(n > shown for _, n in drawn):
                        await asyncio.sleep(0.001)
                    first = next(t for t, n in drawn if n > shown)
                    delays.append(first - keyed[0])
                    await pilot.pause(0.1)
            finally:
                FramePane.on_key = original_key  # type: ignore[method-assign]
            await app.session.stop_all()
    return delays


def run(quick: bool = False) -> list[str]:
    warmup, window = (5.0, 4.0) if quick else (6.0, 10.0)
    ours = on_screen(False, warmup, window)
    full = on_screen(True, warmup, window)
    eight_bit = on_screen(False, warmup, window, colors="256")
    presses = 8 if quick else 25
    busy = asyncio.run(key_latency(OPS, presses))
    alone = asyncio.run(key_latency(0, presses))
    med, med0 = statistics.median(busy), statistics.median(alone)
    p95 = sorted(busy)[int(0.95 * (len(busy) - 1))]
    print(
        f"app: {OPS} x MiniGrid-Empty-8x8 at {PACE:g} steps/s in a {SIZE[0]}x{SIZE[1]} pty,"
        f" {window:g} s window; {ours['fps']:.1f} steps/s per operator recorded"
        f" ({full['fps']:.1f} with full repaints);"
        f" key latency over {presses} presses, p95 {p95 * 1e3:.1f} ms"
    )
    return [
        f"{'app CPU, 4 ops @30 (cores; vs full repaint)':<44} {ours['cores']:>12.2f}"
        f" {full['cores']:>12.2f} {ours['cores'] / full['cores']:>8.2f}  <= 1.00 core",
        f"{'app output KB/s (vs full repaint)':<44} {ours['kbps']:>12.0f} {full['kbps']:>12.0f}"
        f" {ours['kbps'] / full['kbps']:>8.2f}  <= 300 KB/s",
        f"{'app output KB/s, --colors 256 (vs truecolor)':<44} {eight_bit['kbps']:>12.0f}"
        f" {ours['kbps']:>12.0f} {eight_bit['kbps'] / ours['kbps']:>8.2f}  (info)",
        f"{'key -> frame ms, 4 ops running (vs alone)':<44} {med * 1e3:>12.1f}"
        f" {med0 * 1e3:>12.1f} {med / med0:>8.2f}  <= 50 ms",
    ]
