"""Keys as bindings: a human pane's game keys are bindings of the focused pane, so the footer
says what they do there, and no app key takes a game key away (issue 9, item 4)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from test_app_pilot import started
from textual.binding import Binding
from textual.widgets._footer import FooterKey

from mosaic_tui.app.app import MosaicApp
from mosaic_tui.app.widgets.frame_pane import FramePane
from mosaic_tui.core import OperatorConfig
from mosaic_tui.envs import keymaps
from mosaic_tui.envs.profiles import GENERIC, PROFILES, GameProfile


def labels_of(game: GameProfile) -> list[str]:
    """The action labels a game's env reports (its own list, else its keys' actions)."""
    return list(game.labels) or [b.action for b in game.keys] or [f"move {i}" for i in range(9)]


def task_of(game: GameProfile) -> str:
    return game.default_task or (game.prefixes[0] + "-v0" if game.prefixes else "Unknown-v0")


def collisions(app: MosaicApp, keys: list[keymaps.GameKey]) -> list[str]:
    """Game keys that a priority binding of the app (or its screen) would take first."""
    found = []
    for game_key in keys:
        for node in (app, app.screen):
            for binding in node._bindings.key_to_bindings.get(game_key.key, []):
                if binding.priority:
                    found.append(f"{game_key.key} ({game_key.description}) -> {binding.action}")
    return found


GAMES = [*PROFILES, GENERIC]


async def test_every_game_key_is_the_panes_while_it_has_focus() -> None:
    """For every profile: no game key collides with a priority app binding, and every key
    that is also an app key plays the game while the pane has focus, shown as the game's."""
    app = MosaicApp([])
    async with app.run_test(size=(160, 40)) as pilot:
        pane = FramePane("g", "game")
        await app.query_one("#grid").mount(pane)
        app_keys = {key for key, _ in app._bindings} | {key for key, _ in app.screen._bindings}
        shadowed = set()
        for game in GAMES:
            keys = keymaps.game_keys(task_of(game), labels_of(game))
            if game.typed:
                assert keys == [], game.name  # typed into the move box instead
                continue
            assert keys, f"{game.name} has no keys"
            assert collisions(app, keys) == [], game.name
            pane.take_keys(keys)
            pane.focus()
            await pilot.pause()
            active = app.screen.active_bindings
            for game_key in keys:
                here = active[game_key.key]
                assert here.node is pane, f"{game.name}: {game_key.key} is not the pane's"
                assert here.binding.action == f"play({game_key.action})", game.name
                assert here.binding.show == game_key.shown, (game.name, game_key.key)
                if game_key.shown:
                    assert here.binding.description == game_key.description
                if game_key.key in app_keys:
                    shadowed.add(game_key.key)
        # the check above meant something: game keys that are app keys too were met
        assert {"space", "s"} <= shadowed


async def test_a_priority_app_binding_on_a_game_key_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bindings = [*MosaicApp.BINDINGS, Binding("space", "toggle_run", "Run", priority=True)]
    monkeypatch.setattr(MosaicApp, "BINDINGS", bindings)
    monkeypatch.setattr(MosaicApp, "_merged_bindings", MosaicApp._merge_bindings())
    app = MosaicApp([])
    async with app.run_test(size=(120, 40)):
        labels = labels_of(PROFILES[0])
        found = collisions(app, keymaps.game_keys("MiniGrid-Empty-8x8-v0", labels))
        assert found == ["space (pickup) -> toggle_run"]


async def test_the_footer_says_what_the_keys_do_in_the_focused_game(wait_until) -> None:
    app = MosaicApp([])
    async with app.run_test(size=(80, 24)) as pilot:  # room for some keys only: Quit stays
        pane = FramePane("g", "game")
        await app.query_one("#grid").mount(pane)
        labels = ["left", "right", "forward", "pickup", "drop", "toggle", "done"]
        pane.take_keys(keymaps.game_keys("MiniGrid-Empty-8x8-v0", labels))
        pane.focus()

        def footer() -> dict[str, str]:
            return {k.key: k.description for k in app.query(FooterKey) if k.display}

        await wait_until(pilot, lambda: footer().get("space") == "pickup")  # once focus moved
        shown = footer()
        assert shown["space"] == "pickup" and shown["left"] == "left" and shown["up"] == "forward"
        assert shown["d"] == "drop"
        assert shown["ctrl+q"] == "Quit"  # game keys first, but never instead of a way out
        assert "s" not in shown and "a" not in shown  # app letters are not offered here
        assert "Run/Pause" not in shown.values()
        app.query_one("#operators").focus()  # the list: the app's keys again
        await wait_until(pilot, lambda: footer().get("space") == "Run/Pause")
        assert "pickup" not in footer().values() and footer()["q"] == "Quit"


async def test_digit_games_show_one_entry_for_the_digits(wait_until) -> None:
    app = MosaicApp([])
    async with app.run_test(size=(160, 40)) as pilot:
        pane = FramePane("g", "game")
        await app.query_one("#grid").mount(pane)
        pane.take_keys(keymaps.game_keys("tictactoe_v3", [str(i) for i in range(9)]))
        pane.focus()

        def digits() -> list[tuple[str, str]]:
            shown = [k for k in app.query(FooterKey) if k.display and k.key.isdigit()]
            return [(k.key_display, k.description) for k in shown]

        await wait_until(pilot, lambda: bool(digits()))
        assert digits() == [("1-9", "play that cell")]
        active = app.screen.active_bindings
        assert active["2"].binding.action == "play(3)"  # keypad cell 2: action 3 (by column)


def human_minigrid() -> OperatorConfig:
    return OperatorConfig.single_agent(
        "you",
        "You",
        "human",
        "human",
        env_name="minigrid",
        task="MiniGrid-Empty-6x6-v0",
        settings={},
        max_steps=60,
    )


async def test_space_picks_up_on_a_minigrid_pane_and_runs_elsewhere(
    tmp_path: Path, wait_until
) -> None:
    app = MosaicApp([human_minigrid()], log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 1))
        runner = app.session.runners["you"]
        pane = app.query_one("#pane-you", FramePane)
        await wait_until(pilot, lambda: bool(pane.keys))
        pane.focus()
        await pilot.press("space")  # pickup (nothing there): a step, not run/pause
        await wait_until(pilot, lambda: runner.step_index == 1)
        assert not app.session.running
        await pilot.press("escape", "space")  # from the list, space runs the session
        assert app.session.running
        await pilot.press("q")


# ---------------------------------------------------------------------- per-operator palette


async def palette_titles(provider, query: str = "") -> list[str]:
    hits = provider.search(query) if query else provider.discover()
    found = [hit async for hit in hits]
    if query:
        found.sort(key=lambda hit: hit.score, reverse=True)  # as the palette shows them
    return [str(hit.text) for hit in found]


async def test_the_palette_lists_each_operators_commands_the_focused_first(
    tmp_path: Path, wait_until
) -> None:
    from mosaic_tui.app.commands import OperatorCommands
    from mosaic_tui.app.demo import demo_operators

    app = MosaicApp(demo_operators(), log_dir=tmp_path, autorun=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 2))
        app.query_one("#pane-op_1", FramePane).focus()
        await pilot.pause()
        titles = await palette_titles(OperatorCommands(app.screen))
        mine = ["Pause op_1", "Step op_1", "Reset op_1", "Edit op_1", "Remove op_1"]
        assert titles[:5] == mine and titles[5:] == [t.replace("op_1", "op_0") for t in mine]
        assert (await palette_titles(OperatorCommands(app.screen), "pause"))[0] == "Pause op_1"
        app.query_one("#pane-op_0", FramePane).focus()  # context: the operator in view
        await pilot.pause()
        assert (await palette_titles(OperatorCommands(app.screen), "pause"))[0] == "Pause op_0"
        await pilot.press("escape")  # the list's highlighted row counts where no pane has focus
        titles = await palette_titles(OperatorCommands(app.screen))
        assert titles[0].endswith(app.selected() or "?")
        await pilot.press("q")


async def test_palette_pauses_steps_and_resets_one_operator(tmp_path: Path, wait_until) -> None:
    from textual.command import CommandInput

    from mosaic_tui.app.demo import demo_operators
    from mosaic_tui.app.operator_actions import ConfirmRemove
    from mosaic_tui.app.screens.configure import ConfigureScreen
    from mosaic_tui.core import OperatorState

    app = MosaicApp(demo_operators(), log_dir=tmp_path, autorun=True, pace=5)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 2))
        one, other = app.session.runners["op_1"], app.session.runners["op_0"]
        app.query_one("#pane-op_1", FramePane).focus()
        await pilot.press("ctrl+p")
        # typed at once (key by key, Pilot waits for a busy app to idle after each one)
        await wait_until(pilot, lambda: bool(app.screen.query(CommandInput)))
        app.screen.query_one(CommandInput).value = "Pause op_1"
        await wait_until(pilot, lambda: "Pause op_1" in palette_text(app))
        await pilot.press("enter")
        await wait_until(pilot, lambda: one.state is OperatorState.PAUSED)
        assert app.session.running and other.state is OperatorState.RUNNING
        await pilot.pause(0.3)  # it stays paused while the other runs on
        held, moving = (one.episodes_begun, one.step_index), other.step_index
        await wait_until(pilot, lambda: other.step_index != moving)
        assert (one.episodes_begun, one.step_index) == held

        app.step_operator("op_1")
        await wait_until(pilot, lambda: (one.episodes_begun, one.step_index) != held)
        assert one.state is OperatorState.PAUSED
        begun = one.episodes_begun
        app.reset_operator("op_1")
        await wait_until(pilot, lambda: one.episodes_begun == begun + 1)
        assert one.step_index == 0 and one.state is OperatorState.PAUSED
        app.resume_operator("op_1")
        await wait_until(pilot, lambda: one.step_index > 2)

        app.edit_operator("op_1")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfigureScreen))
        assert app.screen.operator_id == "op_1"
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfigureScreen))
        app.ask_remove("op_1")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmRemove))
        await pilot.press("y")
        await wait_until(pilot, lambda: "op_1" not in app.session.runners)
        assert "op_0" in app.session.runners
        await pilot.press("q")


def palette_text(app: MosaicApp) -> str:
    from textual.command import CommandList

    lists = app.screen.query(CommandList)
    if not lists:
        return ""
    options = lists.first()
    return " ".join(str(options.get_option_at_index(i).prompt) for i in range(options.option_count))


@pytest.mark.parametrize("name", ["[/] x [$v]", "[b]bold[/b] [link=https://x.y]l[/link]"])
async def test_a_name_in_markup_shows_as_typed_in_the_palette(
    tmp_path: Path, wait_until, name: str
) -> None:
    """The palette reads a command's help as markup: a user's name must show as typed,
    not style the line nor crash the app (`[/]` did)."""
    from textual.command import CommandList

    from mosaic_tui.app.demo import demo_operators

    ops = [dataclasses.replace(demo_operators()[0], display_name=name)]
    app = MosaicApp(ops, log_dir=tmp_path, autorun=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: started(app, 1))
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: "Edit op_0" in palette_text(app))
        await pilot.pause(0.2)
        options = app.screen.query_one(CommandList)
        helps = [
            options.get_option_at_index(i).prompt for i in range(options.option_count)
        ]
        shown = " ".join(str(getattr(h, "plain", h)) for h in helps)
        assert f"Change op_0 ({name}) (it restarts)" in shown
        assert app.is_running and app.return_code is None
        await pilot.press("escape")
