"""Session controls as a user meets them: pause stays paused, the pace ladder, names shown."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.commands import save_svg
from mosaic_tui.app.demo import demo_operators
from mosaic_tui.app.screens.configure import ConfigureScreen
from mosaic_tui.app.widgets.frame_pane import FramePane
from mosaic_tui.app.widgets.operator_list import OperatorList


def started(app: MosaicApp, n: int) -> bool:
    return len(app.session.runners) == n and all(
        r.env is not None and r.episode >= 0 for r in app.session.runners.values()
    )


async def paused_demo(pilot, wait_until) -> MosaicApp:
    app = pilot.app
    await wait_until(pilot, lambda: started(app, 2))
    await pilot.press("space")
    assert not app.session.running
    return app


async def test_copy_keeps_a_paused_session_paused(tmp_path: Path, wait_until) -> None:
    app = MosaicApp(demo_operators(), log_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await paused_demo(pilot, wait_until)
        await pilot.press("c")
        await wait_until(pilot, lambda: started(app, 3))
        await pilot.pause(0.1)
        assert not app.session.running
        assert "paused" in str(app.query_one("#session-info", Static).render())
        await pilot.press("space")  # and running again is still one key away
        assert app.session.running


async def test_add_and_edit_keep_a_paused_session_paused(tmp_path: Path, wait_until) -> None:
    app = MosaicApp(demo_operators(), log_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await paused_demo(pilot, wait_until)
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfigureScreen))
        await wait_until(pilot, lambda: bool(app.screen.query("#player-agent")))
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: started(app, 3))
        await pilot.pause(0.1)
        assert not app.session.running

        app.query_one("#pane-op_0", FramePane).focus()
        old = app.session.runners["op_0"]
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfigureScreen))
        await wait_until(pilot, lambda: bool(app.screen.query("#player-agent")))
        await pilot.pause()
        app.screen.query_one("#name", Input).value = "Renamed"
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: app.session.runners.get("op_0") not in (None, old) and started(app, 3)
        )
        await pilot.pause(0.1)
        assert not app.session.running
        # the edited operator keeps its place: first in the session, the grid and the list
        order = list(app.session.operators)
        assert order[0] == "op_0" and len(order) == 3
        assert [p.operator_id for p in app.query(FramePane)] == order
        rows = app.query_one(OperatorList)
        assert [rows.get_option_at_index(i).id for i in range(rows.option_count)] == order


async def test_pace_climbs_a_fixed_ladder_and_says_when_it_tops_out(
    tmp_path: Path, wait_until
) -> None:
    app = MosaicApp([], log_dir=tmp_path, pace=10)
    async with app.run_test(size=(120, 40)) as pilot:
        seen = []
        for _ in range(8):
            await pilot.press("plus")
            seen.append(app.session.pace)
        assert seen == [20, 30, 60, None, None, None, None, None]  # None: as fast as it goes
        fastest = [n for n in app._notifications if "fastest" in n.message]
        assert len(fastest) == 1  # said once, not stacked for every press
        assert "max" in str(app.query_one("#session-info", Static).render())
        seen = []
        for _ in range(8):
            await pilot.press("minus")
            seen.append(app.session.pace)
        assert seen == [60, 30, 20, 10, 5, 2, 1, 1]
        assert any("slowest" in n.message for n in app._notifications)
        await pilot.press("plus")
        assert app.session.pace == 2  # back on the ladder's own values, never 0.9375


async def test_an_odd_starting_pace_joins_the_ladder() -> None:
    app = MosaicApp([], pace=7)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("plus")
        assert app.session.pace == 10
        await pilot.press("minus", "minus")
        assert app.session.pace == 2


async def test_operator_names_are_shown_escaped(tmp_path: Path, wait_until) -> None:
    first, second = demo_operators()
    odd = second.replace(display_name="[bold]Mine[/] red")  # control characters: refused
    app = MosaicApp([first, odd], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 2))
        await pilot.pause(0.1)
        pane = app.query_one("#pane-op_0", FramePane)
        assert "Random on Empty 8x8" in str(pane.border_title)
        odd_title = app.query_one("#pane-op_1", FramePane).border_title
        rendered = app.query_one("#pane-op_1", FramePane)._border_title  # as drawn
        assert "[bold]Mine[/] red" in str(rendered) and "\\[bold]" in str(odd_title)  # escaped
        rows = app.query_one(OperatorList)
        prompts = [str(rows.get_option_at_index(i).prompt) for i in range(rows.option_count)]
        assert prompts[0].startswith("Random on Empty")
        assert "[bold]Mine[/] red" in prompts[1]


async def test_a_paused_app_redraws_nothing(tmp_path: Path, wait_until) -> None:
    """Idle means idle: no status timer work and no repaint of unchanged text."""
    app = MosaicApp(demo_operators(), log_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await paused_demo(pilot, wait_until)
        await pilot.pause(0.3)  # the last running refresh lands
        updates: list[str] = []
        for widget in app.query(Static):
            original = widget.update

            def counting(*args, original=original, widget=widget, **kwargs):
                updates.append(str(widget.id))
                return original(*args, **kwargs)

            widget.update = counting  # type: ignore[method-assign]
        calls = 0
        original_refresh = app.drawing.refresh_status

        def counted_refresh() -> None:
            nonlocal calls
            calls += 1
            original_refresh()

        app.drawing.refresh_status = counted_refresh  # type: ignore[method-assign]
        await pilot.pause(1.2)  # a paused app has no timer and no event: it does nothing
        assert updates == []
        assert calls == 0
        await pilot.press("plus")  # a real change still shows at once
        assert "20/s" in str(app.query_one("#session-info", Static).render())


async def test_escape_closes_the_keys_panel() -> None:
    from textual.widgets import HelpPanel

    app = MosaicApp([])
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_show_help_panel()
        await pilot.pause()
        assert app.screen.query(HelpPanel)
        await pilot.press("escape")
        await pilot.pause()
        assert not app.screen.query(HelpPanel)


async def test_screenshot_says_where_it_went_or_why_not(tmp_path: Path) -> None:
    app = MosaicApp([])
    async with app.run_test(size=(80, 24)) as pilot:
        path = save_svg(app, tmp_path)
        await pilot.pause()
        assert path is not None and path.exists() and path.parent == tmp_path
        assert save_svg(app, tmp_path / "missing") is None
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any(str(path) in m for m in messages)
        assert any("No such file or directory" in m for m in messages)
        palette = [c for c in app.get_system_commands(app.screen) if c.title == "Screenshot"]
        assert len(palette) == 1 and "current directory" in palette[0].help


async def test_steps_are_drawn_in_batches_and_changes_of_state_at_once(wait_until) -> None:
    """A number ticking 30 times a second is redrawn a few times a second, all operators
    together; a state change (or whose key it is) is drawn when it happens."""
    from mosaic_tui.app.messages import OperatorChanged
    from mosaic_tui.app.view import OperatorView

    app = MosaicApp([], autorun=False)
    drawn: list[tuple[str, int]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        drawing = app.drawing
        drawing._draw_operator = lambda op, view, **kw: drawn.append((op, view.step))  # type: ignore
        for step in range(10):
            for op in ("a", "b"):
                view = OperatorView("running", 0, step)
                app.post_message(OperatorChanged(op, view, urgent=False))
        await wait_until(pilot, lambda: len(drawn) >= 2)
        await pilot.pause(0.3)
        assert sorted(drawn) == [("a", 9), ("b", 9)]  # twenty steps, one batch, the newest
        app.post_message(OperatorChanged("a", OperatorView("paused", 0, 9)))
        await wait_until(pilot, lambda: len(drawn) == 3)
        assert drawn[-1] == ("a", 9)
        # a run that is gone (its operator removed, or edited and restarted) draws nothing
        app.post_message(OperatorChanged("a", OperatorView("running", 0, 10), run_id="old"))
        await pilot.pause(0.3)
        assert len(drawn) == 3
