"""The configure form on a small terminal: all of it visible, errors in the form's words."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Input, Static

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.screens.configure import ConfigureScreen


async def open_form(pilot, wait_until) -> ConfigureScreen:
    app = pilot.app
    await pilot.press("a")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfigureScreen))
    await wait_until(pilot, lambda: bool(app.screen.query("#player-agent")))
    await pilot.pause(0.1)
    return app.screen


async def test_the_form_fits_80x24_without_scrolling(tmp_path: Path, wait_until) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(pilot, wait_until)
        dialog = screen.query_one("#dialog")
        assert dialog.max_scroll_y == 0
        save = screen.query_one("#save", Button).region
        assert save.height >= 1 and save.bottom <= 24
        max_steps = screen.query_one("#max-steps", Input)
        assert max_steps.content_region.width > len("env default")  # placeholder not cut


async def test_form_errors_name_the_fields_as_labelled(tmp_path: Path, wait_until) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot, wait_until)
        screen.query_one("#max-steps", Input).value = "abc"
        screen.query_one("#seed", Input).value = "-1"
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        text = str(screen.query_one("#problems", Static).render())
        assert "Max steps must be a whole number" in text
        assert "Seed must be 0 or more" in text
        assert "max-steps" not in text and ".;" not in text


async def test_focus_shows_which_button_enter_presses(tmp_path: Path, wait_until) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot, wait_until)
        cancel, save = screen.query_one("#cancel", Button), screen.query_one("#save", Button)
        unfocused = (cancel.styles.background, save.styles.background)
        cancel.focus()
        await pilot.pause()
        assert cancel.styles.background not in unfocused
        save.focus()
        await pilot.pause()
        assert save.styles.background not in unfocused
        assert cancel.styles.background == unfocused[0]


async def test_a_name_the_config_refuses_is_shown_as_text_not_markup(
    tmp_path: Path, wait_until
) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot, wait_until)
        screen.query_one("#name", Input).value = "[b]me[/b] \x07bell"
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfigureScreen)  # not saved
        text = str(screen.query_one("#problems", Static).render())
        assert "control characters" in text and "[b]me[/b]" in text


async def test_hosts_typed_in_the_form_are_where_workers_run(tmp_path: Path, wait_until) -> None:
    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot, wait_until)
        host = screen.query_one("#host", Input)
        host.value = "me@box; rm"
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfigureScreen)  # not saved
        assert "not an ssh destination" in str(screen.query_one("#problems", Static).render())
        host.value = "me@box"
        screen.query_one("#player-agent .host", Input).value = "local"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfigureScreen))
        (entry,) = app.session.operators.values()
        assert entry.config.host == "me@box" and entry.config.host_of("agent") is None
        assert entry.config.workers["agent"].host == ""  # local: this machine, said so
