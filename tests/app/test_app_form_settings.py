"""The form's env settings line: JSON values (lists with commas too) or plain text; a value
that starts like JSON but is not is refused there, not passed on as a string."""

from __future__ import annotations

import pytest

from mosaic_tui.app.screens.configure import parse_settings, settings_problem


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
