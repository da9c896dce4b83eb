"""The operator list: each operator as three short lines — who, where, how far.

    op_0 Random          running
    MiniGrid-Empty-8x8-v0
    ep 3 · t 17 · R 0.00

Enter (or a click) focuses that operator's pane.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

STATE_STYLE = {
    "running": "green",
    "paused": "yellow",
    "pending": "dim",
    "stopped": "dim",
    "error": "bold red",
    "starting": "dim",
}


def row(
    name: str, task: str, state: str, episode: int, step: int, ret: float, width: int = 28
) -> Text:
    def fit(line: str, room: int) -> str:  # the option list would wrap, not truncate
        return line if len(line) <= room else line[: max(room - 1, 1)] + "…"

    name = fit(name, max(4, width - len(state) - 1))
    text = Text()
    text.append(name, style="bold")
    text.append(" " * max(1, width - len(name) - len(state)))
    text.append(state, style=STATE_STYLE.get(state, ""))
    text.append(f"\n{fit(task, width)}\n", style="dim")
    text.append(fit(f"ep {max(episode + 1, 0)} · t {step} · R {ret:.2f}", width))
    return text


class OperatorList(OptionList):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._shown: dict[str, str] = {}

    def upsert(
        self,
        operator_id: str,
        name: str,
        task: str,
        state: str,
        episode: int,
        step: int,
        ret: float,
    ) -> None:
        width = max(16, self.scrollable_content_region.width - 2) if self.size.width else 26
        prompt = row(name, task, state, episode, step, ret, width)
        key = prompt.plain
        if self._shown.get(operator_id) == key:
            return
        if operator_id in self._shown:
            self.replace_option_prompt(operator_id, prompt)
        else:
            self.add_option(Option(prompt, id=operator_id))
            if self.highlighted is None:
                self.highlighted = 0
        self._shown[operator_id] = key

    def drop(self, operator_id: str) -> None:
        if self._shown.pop(operator_id, None) is not None:
            self.remove_option(operator_id)

    @property
    def selected(self) -> str | None:
        option = self.highlighted_option
        return option.id if option is not None else None
