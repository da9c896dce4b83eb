"""What the screen shows of one operator, copied from its runner when the runner reports a
change (`OperatorChanged` carries it). Rows and panes draw from an `OperatorView`, never from
the runner: the runtime runs, the screen shows the last copy it was given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from mosaic_tui.app.markup import escape
from mosaic_tui.core.decisions import DecisionStats
from mosaic_tui.envs import keymaps


@dataclass(frozen=True)
class OperatorView:
    state: str  # pending, running, paused, error, …
    episode: int = -1
    step: int = 0
    ret: float = 0.0  # a human's own return, not both sides'
    human: bool = False  # a human plays here: letters are theirs
    typing: bool = False  # ... by typing moves into the move box
    my_move: bool = False  # a human is to move now
    over: bool = False  # the episode ended; a key begins the next
    note: str = ""  # Rich markup, data escaped: the last move, or the outcome
    awaiting_key: bool = False  # the status says whose move it is
    holder: str | None = None  # who has the keyboard, when several humans share it
    waiting: tuple[str, ...] | None = None  # simultaneous: the AIs the coming step waits for
    then: tuple[str, ...] = ()  # ... and the humans at the keyboard after the one to move
    thinking: tuple[str, ...] = ()  # AI players deciding for a while (an LLM's endpoint)
    moves: Mapping[str, int] = field(default_factory=dict)  # a typed game's legal moves
    mover: str = ""  # who is to move, as the game names them
    move_hint: str = ""  # how a typed game's moves are written
    decisions: str = ""  # its LLM players' answers so far, one status part (or none)


def entry_view(entry: Any, *, running: bool, asked: bool = False) -> OperatorView:
    """The copy of a session `Entry`: pending until its runner is built, error once stopped.
    `running`: the session runs; `asked`: its humans are being asked for a key."""
    seat = entry.seat if entry is not None else None
    if entry is None or seat is None:
        return OperatorView("error" if entry and entry.error else "pending")
    # a key is awaited, or steps at once (all paused, or this operator alone)
    awaiting = asked or seat.keyboard.waiting or not (running and seat.loop.looping)
    view = view_of(seat.runner, awaiting=awaiting, error=entry.error is not None)
    if view.state == "paused" and seat.at_plan_end and not seat.loop.looping:
        return replace(view, state="done")  # played the file's episodes (others may still)
    return view


def view_of(runner: Any, *, awaiting: bool, error: bool = False) -> OperatorView:
    """The copy of `runner` the screen draws. `awaiting`: steps wait for a key (or the
    operator steps only when told), so a human to move is asked for theirs."""
    if error:
        return OperatorView("error", runner.episode, runner.step_index, runner.shown_return)
    task = runner.config.task
    humans = runner.humans
    human = bool(humans)
    typing = human and keymaps.typed(task)
    over = human and runner.episode_over and runner.last_end is not None
    if over:
        go_on = "enter" if typing else "any key"
        note = f"{outcome_text(runner)}\n[dim]{go_on}: next episode[/dim]"
    else:
        note = last_move_text(runner)
        you = keymaps.side(task, humans[0]) if human else None
        if you and len(humans) == 1:
            note += f"{' · ' if note else ''}you play {escape(you)}"
    others = [a for a in runner.waiting_for if a != runner.to_move] if runner.simultaneous else None
    return OperatorView(
        runner.state.value,
        runner.episode,
        runner.step_index,
        runner.shown_return,
        human=human,
        typing=typing,
        my_move=runner.human_to_move,
        over=over,
        note=note,
        awaiting_key=awaiting and runner.human_to_move,
        holder=keyboard_holder(runner),
        waiting=tuple(a for a in others if a not in runner.humans) if others is not None else None,
        then=tuple(a for a in others if a in runner.humans) if others is not None else (),
        thinking=tuple(sorted(getattr(runner, "thinking", ()))),
        moves=dict(runner.moves or {}) if typing else {},
        mover=keymaps.side(task, runner.to_move) or runner.to_move,
        move_hint=keymaps.move_hint(task) if typing else "",
        decisions=decisions_text(runner.decision_stats),
    )


def decisions_text(stats: Mapping[str, DecisionStats]) -> str:
    """Every LLM player of the operator together: how many answers, how many invalid."""
    return DecisionStats.total(stats.values()).short() if stats else ""


def keyboard_holder(runner: Any) -> str | None:
    """Who has the keyboard, named only when several humans share one operator."""
    if len(runner.humans) < 2:
        return None
    team = ((runner.env.teams or {}) if runner.env else {}).get(runner.to_move)
    return f"{runner.to_move} ({team})" if team else runner.to_move


def _number(value: float, signed: bool = False) -> str:
    """0.956, -1, +1, 23: a return as people write it (signed: who gained, who lost)."""
    text = f"{value:{'+' if signed else ''}.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("+0", "-0") else text


def _seat(runner: Any, agent: str) -> str:
    """`X (you)`, `black`, `agent_2 (red)`: how a pane names a player."""
    task = runner.config.task
    name = keymaps.side(task, agent)
    team = ((runner.env.teams or {}) if runner.env else {}).get(agent)
    label = name or (f"{agent} ({team})" if team else agent)
    you = agent in runner.humans
    if you and len(runner.humans) == 1:
        return f"{label} (you)" if name else "you"
    return f"{label} (human)" if you else label  # several share the keyboard: none is "you"


def outcome_text(runner: Any) -> str:
    """How the episode ended, for the human who played it (Rich markup, data escaped).

    Single player: reached the goal / lost / time's up, and the return. Several players:
    who won, lost or drew, each player's return, and which side the human played."""
    end = runner.last_end
    if end is None:
        return ""
    limit = f"time's up after {end.length} steps" if end.truncated else ""
    if len(runner.players) == 1:
        task = runner.config.task
        if end.truncated:
            head = f"[b]Time's up[/b] after {end.length} steps"
        elif keymaps.goal(task):
            head = (
                "[b green]You reached the goal[/]" if end.total_reward > 0 else "[b red]You lost[/]"
            )
        else:
            head = f"[b]Episode over[/b] after {end.length} steps"
        return f"{head} · return {_number(end.total_reward)}"
    totals = dict(runner.returns)
    totals.update(end.rewards or {})
    best, worst = max(totals.values()), min(totals.values())

    def verdict(value: float) -> str:
        if best == worst:
            return ""
        return " won" if value == best else " lost" if value == worst else ""

    parts = [
        f"{escape(_seat(runner, agent))}{verdict(value)} {_number(value, signed=True)}"
        for agent, value in totals.items()
    ]
    head = "[b]Over[/b]"
    if best == worst:
        head = "[b yellow]Draw[/]" if best == 0 else f"[b]Over[/b]: {_number(best)} each"
    elif len(runner.humans) == 1:
        mine = verdict(totals.get(runner.humans[0], 0.0))
        head = {" won": "[b green]You won[/]", " lost": "[b red]You lost[/]"}.get(mine, head)
    tail = f" ({limit})" if limit else ""
    return f"{head}{tail} · " + " · ".join(parts)


def last_move_text(runner: Any) -> str:
    """`O played 5`, `black played Nf3`; in a simultaneous game every player's action."""
    moves = runner.last_moves
    if not moves or len(runner.players) == 1:
        return ""
    if len(moves) == 1:
        agent, move = moves[0]
        return f"{escape(_seat(runner, agent))} played [b]{escape(move)}[/b]"
    return "last: " + " · ".join(
        f"{escape(_seat(runner, agent))} [b]{escape(move)}[/b]" for agent, move in moves
    )
