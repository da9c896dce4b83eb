"""Plugins: a package built here (tests/standins/plugin_package.py), found through its entry
points, listed with where it comes from, and used from an experiment file and from the form."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_app_pilot import open_form
from textual.widgets import Select

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.cli.listing import envs_command, workers_command
from mosaic_tui.core import plugins
from mosaic_tui.envs import FAMILIES, refresh_plugins, tasks
from mosaic_tui.experiments import parse, run_experiment
from mosaic_tui.runtime import launcher
from mosaic_tui.telemetry import TelemetryStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "standins"))
from plugin_package import build  # noqa: E402


def _forget() -> None:
    for name in [m for m in sys.modules if m.startswith(("counter_plugin", "reference_gui"))]:
        del sys.modules[name]


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    site = build(tmp_path / "site")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", str(site))  # the workers' subprocesses find it too
    refresh_plugins()
    launcher.refresh_plugins()
    yield site
    monkeypatch.undo()
    _forget()
    refresh_plugins()
    launcher.refresh_plugins()


def test_plugins_are_listed_with_where_they_come_from(plugin: Path, capsys) -> None:
    assert workers_command() == 0
    out = capsys.readouterr().out
    assert "counter_worker (decision) — Plays the highest legal action" in out
    assert "from: mosaic_tui.workers entry point 'counter_worker'" in out
    assert "from counter-plugin 0.1" in out
    # the reference's entry point: read by name and module, never imported
    assert "mosaic.guiworker (decision)" in out
    assert "python -m reference_gui_worker --run-id {run_id}" in out
    assert "reference_gui_worker" not in sys.modules
    # a broken plugin is reported and skipped, not fatal
    assert "warning: mosaic_tui.workers entry point 'broken'" in out
    assert "ModuleNotFoundError" in out
    assert "broken" not in launcher.CATALOG
    assert [b.source.name for b in plugins.broken()] == ["broken"]
    assert envs_command() == 0
    assert "counter" in capsys.readouterr().out
    assert tasks("counter") == ["Counter-v0"]


def test_a_plugin_family_and_worker_run_from_a_file(plugin: Path, tmp_path: Path) -> None:
    spec = parse(
        {
            "execution": {"episodes": 2, "seed": 1},
            "operators": [
                {
                    "id": "count",
                    "env_name": "counter",
                    "task": "Counter-v0",
                    "workers": {"agent": {"type": "baseline", "worker": "counter_worker"}},
                }
            ],
        }
    )
    with TelemetryStore.open(tmp_path / "runs.sqlite") as store:
        result = asyncio.run(run_experiment(spec, store, log_dir=tmp_path))
        assert not result.failed, [o.error for o in result.outcomes]
        run = result.outcomes[0].run_id
        steps = store.steps(run)
        assert [s.action for s in steps] == [2] * 10  # its highest legal action, 5 per episode
        assert [e.total_reward for e in store.episodes(run)] == [10.0, 10.0]


async def test_the_form_offers_the_plugin_family_and_worker(
    plugin: Path, tmp_path: Path, wait_until
) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot, wait_until, "counter", "Counter-v0", "agent")
        kind = screen.query_one("#player-agent .type", Select)
        assert ("Plugin: Highest legal action", "counter_worker") in kind._options
        kind.value = "counter_worker"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "op_0" in app.session.runners)
        runner = app.session.runners["op_0"]
        seat = runner.config.workers["agent"]
        assert (seat.worker_id, seat.worker_type) == ("counter_worker", "baseline")
        assert seat.settings == {}
        await wait_until(pilot, lambda: runner.episodes_begun >= 2, timeout=30)
        assert runner.state.value != "error"
        await pilot.press("q")


def test_without_the_package_nothing_of_it_remains(plugin: Path) -> None:
    assert plugins.broken()  # with it: its broken entry point is reported
    sys.path.remove(str(plugin))
    refresh_plugins()
    launcher.refresh_plugins()
    assert "counter" not in FAMILIES and "counter_worker" not in launcher.CATALOG
    assert plugins.broken() == []  # and once it is gone, nothing of it is reported either
