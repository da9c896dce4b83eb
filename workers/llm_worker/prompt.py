"""What the model is told each turn, and how its reply becomes an action.

The reply must name exactly one legal action. Anything else is answered with a correction and
asked again; after the retries it is an error that quotes the reply. It is never turned into
some default move (the reference's LLM player silently went "forward").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from llm_worker.describe import describe_observation
from mosaic_tui.protocol import InitAgent, SelectAction, limits, unpack

MAX_LISTED = 80  # legal actions named in the prompt; beyond this the list is cut, with a count
MAX_BOARD_LINES = 1000  # lines of a text board
MAX_NUMBERS = 64  # an observation array up to this size is shown as numbers, else its shape


@dataclass
class Game:
    """What init_agent told the worker: the game, the player, the action names."""

    name: str
    player: str
    labels: list[str]
    team: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    coordination_level: int = 1  # --coordination-level: 1 emergent, 2 hints, 3 roles
    role: str | None = None  # --role: the level-3 role; None: by seat (role_of)
    answer_format: str = "text"  # --answer-format: "json" and "schema" ask for {"action": ...}
    words: bool = True  # --observation-text words: observations described (describe.py)

    @classmethod
    def from_init(
        cls, cmd: InitAgent, coordination_level: int = 1, role: str | None = None
    ) -> Game:
        """The game `init_agent` describes, every field checked (limits.BadCommand if not)."""
        n = limits.action_count(cmd.action_space, cmd.labels)
        given = limits.strings("labels", cmd.labels) or []
        labels = list(given) if len(given) == n else [str(i) for i in range(n)]
        limits.seed(cmd.seed)
        limits.text("game", cmd.game)
        limits.text("player_id", cmd.player_id)
        if cmd.team is not None:
            limits.text("team", cmd.team)
        settings = limits.depth("env_settings", cmd.env_settings or {})
        return cls(
            cmd.game or "a game",
            cmd.player_id,
            labels,
            cmd.team,
            settings,
            coordination_level,
            role,
        )


def legal_names(game: Game, cmd: SelectAction) -> dict[str, int]:
    """Name -> action for every legal action: the env's move names where it has them (chess:
    e2e4), else the action labels. The command is checked first (limits.BadCommand)."""
    mask = limits.select_action(cmd, len(game.labels))
    if cmd.moves:
        return dict(cmd.moves)
    return {
        label: i
        for i, label in enumerate(game.labels)
        if mask is None or (i < len(mask) and mask[i])
    }


def system_prompt(game: Game) -> str:
    """The rules of the conversation, plus what the coordination level adds."""
    team = f" on the {game.team} team" if game.team else ""
    answer = (
        'Answer with a JSON object {"action": "<action>"} whose action is exactly one legal'
        " action, written as it appears in the list."
        if game.answer_format in ("json", "schema")
        else "Answer with exactly one legal action, written as it appears in the list, and"
        " nothing else (or, after any reasoning, end with a line `ACTION: <action>`)."
    )
    return " ".join(
        [
            f"You are playing {game.name} as {game.player}{team}. Each turn you are shown the"
            f" state and the legal actions. {answer}",
            *coordination(game),
        ]
    )


# What --coordination-level adds to the system prompt. Level 1 (emergent) adds nothing: any
# cooperation is the model's own idea. Level 2 adds these hints; level 3 also gives a role.
COORDINATION_HINTS = (
    "Other players may share the game with you. Play for your team, not for yourself alone:"
    " avoid moving into the same cell as a teammate or blocking its path, and do not duplicate"
    " a teammate's effort (if one is already going for a target, pick another task)."
)
ROLE_DUTIES = {
    "forward": "Attack: get the ball to the opponents' goal and score; leave defending to your"
    " teammates.",
    "defender": "Defend: stay between the opponents and your own goal, take the ball from"
    " them, and pass it forward.",
    "lead": "Take the initiative: go for the objective yourself and set the plan your"
    " teammates can follow.",
    "support": "Back up the lead: cover what it leaves open, stop opponents, and stay out of"
    " its way.",
}


def coordination(game: Game) -> list[str]:
    """The sentences the coordination level adds to the system prompt (none at level 1)."""
    lines = []
    if game.coordination_level >= 2:
        lines.append(COORDINATION_HINTS)
    if game.coordination_level >= 3:
        role = game.role or role_of(game.player, game.name)
        team = f" of the {game.team} team" if game.team else ""
        lines.append(f"Your role: you are {game.player}{team}, the {role}. {ROLE_DUTIES[role]}")
    return lines


def seat(player: str) -> int:
    """A player's seat from its id's number (player_1 -> 1, agent_3 -> 3; `agent` -> 0)."""
    found = re.search(r"(\d+)$", player)
    return int(found.group(1)) if found else 0


#: Team sports, where the reference gives roles by seat: forward on even seats, defender on odd.
TEAM_SPORTS = ("Soccer", "Basketball")


def role_of(player: str, game: str = "") -> str:
    """Roles by seat order: in team sports forward and defender in turn (as the reference
    assigns them); elsewhere the first seat leads and every other one supports."""
    if any(sport in game for sport in TEAM_SPORTS):
        return "forward" if seat(player) % 2 == 0 else "defender"
    return "lead" if seat(player) == 0 else "support"


def turn_prompt(game: Game, cmd: SelectAction, legal: dict[str, int]) -> str:
    lines = [f"Step {cmd.step_index}." if cmd.step_index is not None else "Your turn."]
    if cmd.board:
        lines += ["Board:", *(limits.strings("board", cmd.board, MAX_BOARD_LINES) or [])]
    elif cmd.observation is not None:
        observation = limits.depth("observation", cmd.observation)
        try:
            observation = unpack(observation)
        except Exception as exc:  # a malformed packed array: the sender's fault, say which
            raise limits.BadCommand(
                f"observation is not a valid packed value ({type(exc).__name__}: {exc})"[:300]
            ) from None
        described = (
            describe_observation(game.name, observation, game.settings, game.team)
            if game.words
            else None
        )
        if described:
            lines += ["Observation:", *described]
        else:
            lines.append(f"Observation: {describe(observation)}")
    names = list(legal)
    shown = ", ".join(names[:MAX_LISTED])
    more = f" (and {len(names) - MAX_LISTED} more)" if len(names) > MAX_LISTED else ""
    lines.append(f"Legal actions: {shown}{more}")
    lines.append("Your action:")
    return "\n".join(lines)


def correction(reply: str, legal: dict[str, int]) -> str:
    names = list(legal)[:MAX_LISTED]
    return (
        f"{reply.strip()[:200]!r} is not an answer: reply with one legal action alone (or end"
        f" with a line `ACTION: <action>`). The legal actions: {', '.join(names)}"
    )


#: A tagged answer on a line of its own: `ACTION: right` (what the prompt asks for after prose).
_TAGGED = re.compile(r"^\s*action\s*[:=]\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")
_OPENING_ACTION = re.compile(r'\{\s*"action"\s*:\s*"([^"\\]*)"\s*[,}]')


def parse(reply: str, legal: dict[str, int]) -> int | None:
    """The action a reply answers with, or None: the reply must be a legal name alone, a line
    `ACTION: <name>` (the last one counts), or JSON `{"action": "<name>"}`. Prose that merely
    contains a name is not an answer: a small model's "You are right. You can only do one..."
    must not be played as `right` (the reference turned such replies into "forward")."""
    by_lower = {name.lower(): action for name, action in legal.items()}

    def named(text: str) -> int | None:
        return by_lower.get(text.strip().strip("`'\".*").strip().lower())

    alone = named(reply)
    if alone is not None:
        return alone
    tagged = _TAGGED.findall(reply)
    if tagged:
        return named(tagged[-1])
    text = _FENCE.sub("", reply.strip())
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:  # cut off by max_tokens after its first field: that field counts
            opened = _OPENING_ACTION.match(text)
            return named(opened.group(1)) if opened else None
        if isinstance(data, dict) and isinstance(data.get("action"), (str, int)):
            return named(str(data["action"]))
    return None


def describe(value: Any, depth: int = 0) -> str:
    """A compact text form of an observation: small arrays as numbers, big ones by shape."""
    import numpy as np

    if isinstance(value, dict) and depth < 3:
        return "{" + ", ".join(f"{k}: {describe(v, depth + 1)}" for k, v in value.items()) + "}"
    if isinstance(value, np.ndarray):
        if value.size <= MAX_NUMBERS:
            return str(value.tolist())
        return f"array of shape {list(value.shape)}"
    if isinstance(value, (list, tuple)) and len(value) > MAX_NUMBERS:
        return f"list of {len(value)} items"
    text = str(value)
    return text if len(text) <= 400 else text[:400] + "…"
