"""The operator list: each operator as three short lines — who, where, how far.

    op_0 Random          running
    MiniGrid-Empty-8x8-v0
    ep 3 · t 17 · R 0.00

Enter (or a click) focuses that operator's pane.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

STATE_STYLE = {
    "running": "green",
    "paused": "yellow",
    "done": "cyan",  # played the file's episodes
    "pending": "dim",
    "stopped": "dim",
    "error": "bold red",
    "starting": "dim",
}


def row(
    name: str, task: str, state: str, episode: int, step: int, ret: float, width: int = 28
) -> Text:
    def fit(line: str, room: int) -> str:  # the option list would wrap, not truncate
        # in cells, not characters: 你好 or an emoji takes two
        return line if cell_len(line) <= room else set_cell_size(line, max(room - 1, 1)) + "…"

    name = fit(name, max(4, width - len(state) - 1))
    text = Text()
    text.append(name, style="bold")
    text.append(" " * max(1, width - cell_len(name) - len(state)))
    text.append(state, style=STATE_STYLE.get(state, ""))
    text.append(f"\n{fit(task, width)}\n", style="dim")
    text.append(fit(f"ep {max(episode + 1, 0)} · t {step} · R {ret:.2f}", width))
    return text


class OperatorList(OptionList):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._shown: dict[str, str] = {}
        self._states: dict[str, str] = {}
        self._wanted: str | None = None  # highlighted once its row shows (`choose`)

    def choose(self, operator_id: str) -> None:
        """Highlight this operator's row, now or as soon as it shows: one just added, or
        saved after an edit (its row comes back), is the one the next key acts on."""
        if operator_id in self._shown:
            self.highlighted = self.get_option_index(operator_id)
        else:
            self._wanted = operator_id

    def upsert(
        self,
        operator_id: str,
        name: str,
        task: str,
        state: str,
        episode: int,
        step: int,
        ret: float,
        order: Iterable[str] = (),
    ) -> None:
        """Show an operator's row; a new one goes where it is in `order` (the session's)."""
        self._states[operator_id] = state
        width = max(16, self.scrollable_content_region.width - 2) if self.size.width else 26
        prompt = row(name, task, state, episode, step, ret, width)
        key = prompt.plain
        if self._shown.get(operator_id) == key:
            return
        if operator_id in self._shown:
            self._replace_prompt(operator_id, prompt)
        else:
            self.add_option(Option(prompt, id=operator_id))
            self._keep_order(list(order))
            if operator_id == self._wanted:
                self._wanted = None
                self.highlighted = self.get_option_index(operator_id)
            elif self.highlighted is None:
                self.highlighted = 0
        self._shown[operator_id] = key

    def _keep_order(self, order: list[str]) -> None:
        """Rows in `order` (ids not in it last, as they were), the highlight kept."""
        rank = {op: i for i, op in enumerate(order)}
        options = list(self.options)
        wanted = sorted(options, key=lambda o: rank.get(o.id or "", len(rank)))
        if [o.id for o in wanted] == [o.id for o in options]:
            return
        chosen = self.selected
        self.set_options(wanted)
        if chosen is not None:
            self.highlighted = self.get_option_index(chosen)

    def _replace_prompt(self, operator_id: str, prompt: Text) -> None:
        """Like `replace_option_prompt`, which forgets every option's rendering and repaints
        the whole list: with 16 operators stepping that was most of the app's drawing. A row
        keeps its height (three lines, cut to the width), so only its own rendering is
        dropped and only its lines are repainted. (OptionList's caches are its own: should a
        Textual release rename them, this falls back to the whole list.)"""
        try:
            index = self.get_option_index(operator_id)
            option = self.get_option_at_index(index)
            lines = self._heights.get(index)
            cache = self._option_render_cache
            top = self._index_to_line[index]
            option._set_prompt(prompt)
        except (AttributeError, KeyError):
            self.replace_option_prompt(operator_id, prompt)
            return
        if lines != prompt.plain.count("\n") + 1:  # it would move the rows below it
            self._clear_caches()
            return
        for key in [key for key in cache.keys() if key[0] is option]:
            cache.discard(key)
        self.refresh_lines(top, lines)

    def state_of(self, operator_id: str) -> str | None:
        """The state its row shows (None: no row)."""
        return self._states.get(operator_id)

    def drop(self, operator_id: str) -> None:
        self._states.pop(operator_id, None)
        if self._shown.pop(operator_id, None) is not None:
            self.remove_option(operator_id)

    @property
    def selected(self) -> str | None:
        option = self.highlighted_option
        return option.id if option is not None else None
