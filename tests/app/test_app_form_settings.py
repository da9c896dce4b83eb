"""The form's env settings line: JSON values (lists with commas too) or plain text; a value
that starts like JSON but is not is refused there, not passed on as a string."""

from __future__ import annotations

import pytest

from mosaic_tui.app.screens.form_fields import parse_settings, settings_problem


def test_values_are_json_where_they_read_as_json_and_text_elsewhere() -> None:
    line = 'is_slippery=false, map_name=8x8, size=[5, 5], d={"a": 1, "b": 2}, t="x, y"'
    assert parse_settings(line) == {
        "is_slippery": False,
        "map_name": "8x8",
        "size": [5, 5],  # its comma is the list's, not a new setting
        "d": {"a": 1, "b": 2},
        "t": "x, y",
    }
    assert parse_settings("") == {}


@pytest.mark.parametrize("bad", ["is_slippery=[[oops", "a={{", 'a="x', "a=[1, 2"])
def test_a_value_that_starts_like_json_must_be_json(bad: str) -> None:
    with pytest.raises(ValueError, match="is not valid JSON"):
        parse_settings(bad)


def test_an_unknown_setting_is_named_in_the_forms_words() -> None:
    said = settings_problem(
        "tictactoe_v3", TypeError("raw_env.__init__() got an unexpected keyword argument 'x'")
    )
    assert said == "tictactoe_v3 has no setting 'x'; remove it, or check its spelling"
    assert settings_problem("t", ValueError("map_name must be 4x4")) == "map_name must be 4x4"


async def test_keys_typed_fast_after_tab_go_to_the_next_field(tmp_path, wait_until) -> None:
    """`abc<tab>xyz` arriving together: tab moves the focus as it arrives, so xyz is not
    typed into the field before (it was, when the field had to hand tab back up first)."""
    from test_app_pilot import open_form
    from textual import events
    from textual.widgets import Input

    from mosaic_tui.app.app import MosaicApp

    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot, wait_until, seat="agent")
        screen.query_one("#max-steps", Input).focus()
        await pilot.pause()
        for key in ("1", "2", "tab", "3", "4"):  # posted at once, as a terminal delivers them
            char = key if len(key) == 1 else "\t"
            app.post_message(events.Key(key, char))
        await pilot.pause(0.3)
        assert screen.query_one("#max-steps", Input).value == "12"
        assert screen.query_one("#seed", Input).value == "34"
        await pilot.press("escape")
        await pilot.press("q")


def test_number_fields_have_a_top() -> None:
    from mosaic_tui.app.screens.form_fields import WholeNumber

    steps = WholeNumber("Max steps", 1, 10**9)
    assert steps.validate("500").is_valid and steps.validate("").is_valid
    too_many = steps.validate("9" * 26)  # a typo, stored as a SQLite integer otherwise
    assert not too_many.is_valid
    assert too_many.failure_descriptions == ["Max steps must be at most 1,000,000,000"]


async def test_a_toast_over_the_form_leaves_save_and_cancel_clear(tmp_path, wait_until) -> None:
    """At 80x24 a notice (the plan's end, say) sat on the form's buttons for seconds."""
    from textual.widgets._toast import Toast

    from mosaic_tui.app.app import MosaicApp
    from mosaic_tui.app.screens.configure import ConfigureScreen

    app = MosaicApp([], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfigureScreen))
        app.notify("every operator played the file's 20 episodes: paused (space plays on)")
        await wait_until(pilot, lambda: bool(app.screen.query(Toast)))
        await pilot.pause()
        toasts = [t.region for t in app.screen.query(Toast)]
        for button in ("#save", "#cancel"):
            region = app.screen.query_one(button).region
            assert not any(t.overlaps(region) for t in toasts), (toasts, region)
        await pilot.press("escape")
        await pilot.press("q")
