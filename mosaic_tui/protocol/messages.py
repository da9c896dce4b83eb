"""Every message of the worker protocol, as typed dataclasses.

Commands (app -> worker) are keyed by `cmd`, events (worker -> app) by `type`. A command may
carry a `req` number; every event a worker sends in answer to it echoes that number, so the app
can match answers to requests even while a worker streams.

Environment workers answer reset/step/run/stop/ping; decision workers answer
init_agent/reset/select_action/stop/ping. Multi-agent fields are optional everywhere: a
single-agent worker leaves them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from mosaic_tui.protocol.frames import Frame, FrameRequest

PROTOCOL_VERSION = 1


@dataclass(slots=True)
class Message:
    kind: ClassVar[str] = ""
    key: ClassVar[str] = ""  # "cmd" for commands, "type" for events


@dataclass(slots=True)
class Command(Message):
    key: ClassVar[str] = "cmd"


@dataclass(slots=True)
class Event(Message):
    key: ClassVar[str] = "type"


# --------------------------------------------------------------------------- commands


@dataclass(slots=True)
class Reset(Command):
    """Start an episode. `auto_reset` lets a self-driving worker roll into the next seed."""

    kind: ClassVar[str] = "reset"
    seed: int | None = None
    max_steps: int | None = None
    frame: FrameRequest | None = None
    observe: bool = False
    auto_reset: bool = True
    req: int | None = None


@dataclass(slots=True)
class Step(Command):
    """One env step: no action means the worker's own policy acts (self-driving).

    Simultaneous games take `actions` {agent: action}; an agent left out is played by the
    worker's own policy.

    `skip_frame`: this step's picture may be left out (a pane that paints 10 times a second
    shows one step in three of a fast stream); the board and moves still come, and so does
    the picture of a step that ends the episode. `render` draws the current one on request."""

    kind: ClassVar[str] = "step"
    action: Any = None
    actions: dict[str, Any] | None = None
    frame: FrameRequest | None = None
    skip_frame: bool | None = None
    req: int | None = None


@dataclass(slots=True)
class Render(Command):
    """Draw the current state again, without stepping (answered by `rendered`): the picture
    a paused stream stopped on, when its last steps left theirs out (`Step.skip_frame`)."""

    kind: ClassVar[str] = "render"
    frame: FrameRequest | None = None  # None: the size the episode's frames are drawn at
    req: int | None = None


@dataclass(slots=True)
class Run(Command):
    """Stream whole episodes with the worker's own policy: no round trip per step.

    Seeds are a schedule: episode i uses `seed + i`, so ten million episodes cost two numbers
    on the wire. `seeds` is an explicit (short) list that wins over `seed`; the app sends long
    lists in chunks, and the older list-only form still decodes.

    `actions` replays a recorded episode (one; `episodes` must be 1): step i takes
    `actions[i]` (a simultaneous game's: {agent: action}), each checked as `step` checks it,
    instead of the worker's policy; the run ends when the episode does or the actions run out."""

    kind: ClassVar[str] = "run"
    episodes: int = 1
    seeds: list[int] | None = None
    seed: int | None = None
    max_steps: int | None = None
    frame: FrameRequest | None = None
    actions: list[Any] | None = None
    req: int | None = None


@dataclass(slots=True)
class Stop(Command):
    kind: ClassVar[str] = "stop"
    req: int | None = None


@dataclass(slots=True)
class Ping(Command):
    kind: ClassVar[str] = "ping"
    req: int | None = None


@dataclass(slots=True)
class InitAgent(Command):
    """Tell a decision worker which player it is and what it may do."""

    kind: ClassVar[str] = "init_agent"
    player_id: str = "agent"
    game: str = ""
    action_space: dict[str, Any] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    noop_action: int | None = None
    seed: int | None = None
    env_settings: dict[str, Any] | None = None  # view size, observation mode, ...
    team: str | None = None
    req: int | None = None


@dataclass(slots=True)
class SelectAction(Command):
    """Ask for one player's action. Board games add the position as text and the legal moves
    by name, which a language model reads better than an encoded observation."""

    kind: ClassVar[str] = "select_action"
    observation: Any = None
    info: dict[str, Any] = field(default_factory=dict)
    action_mask: list[int] | None = None
    player_id: str | None = None
    step_index: int | None = None
    board: list[str] | None = None
    moves: dict[str, int] | None = None
    frame: Frame | None = None  # the picture, for a player that sees (a VLM)
    req: int | None = None


# --------------------------------------------------------------------------- events


@dataclass(slots=True)
class Init(Event):
    """First line a worker writes: who it is and which protocol it speaks."""

    kind: ClassVar[str] = "init"
    protocol: int = PROTOCOL_VERSION
    worker: str = ""
    role: str = "env"  # "env" or "decision"
    run_id: str | None = None
    env_id: str | None = None
    pid: int | None = None
    agents: list[str] | None = None
    action_space: dict[str, Any] | None = None
    action_labels: list[str] | None = None
    noop_action: int | None = None
    max_steps: int | None = None
    stepping: str | None = None  # a SteppingParadigm value (protocol/stepping.py)
    teams: dict[str, str] | None = None  # agent -> team colour, where the env has teams
    env_settings: dict[str, Any] | None = None  # the settings the env was built with
    req: int | None = None


@dataclass(slots=True)
class Ready(Event):
    """An episode has started (after reset, or an auto-reset)."""

    kind: ClassVar[str] = "ready"
    run_id: str | None = None
    env_id: str | None = None
    seed: int | None = None
    episode: int = 0
    max_steps: int | None = None
    frame: Frame | None = None
    observation: Any = None
    info: dict[str, Any] | None = None
    action_mask: list[int] | None = None
    legal_actions: list[int] | None = None  # large action spaces: the legal indices instead
    agent_to_move: str | None = None
    action_masks: dict[str, list[int]] | None = None
    agents: list[str] | None = None  # simultaneous games: who acts in the next step
    board: list[str] | None = None  # board games: the position as text lines
    moves: dict[str, int] | None = None  # legal moves by name (e2e4, Nf3) -> action
    req: int | None = None


@dataclass(slots=True)
class StepResult(Event):
    kind: ClassVar[str] = "step"
    step_index: int = 0
    episode: int = 0
    action: Any = None
    reward: float = 0.0
    terminated: bool = False
    truncated: bool = False
    episode_return: float = 0.0
    frame: Frame | None = None
    observation: Any = None
    info: dict[str, Any] | None = None
    action_mask: list[int] | None = None
    legal_actions: list[int] | None = None
    agent: str | None = None
    actions: dict[str, Any] | None = None
    rewards: dict[str, float] | None = None
    terminations: dict[str, bool] | None = None
    truncations: dict[str, bool] | None = None
    agent_to_move: str | None = None
    action_masks: dict[str, list[int]] | None = None
    agents: list[str] | None = None  # simultaneous games: who acts in the next step
    board: list[str] | None = None
    moves: dict[str, int] | None = None
    req: int | None = None


@dataclass(slots=True)
class Rendered(Event):
    """The answer to `render`: the current picture, after step `step_index` of `episode`."""

    kind: ClassVar[str] = "rendered"
    episode: int = 0
    step_index: int = 0
    frame: Frame | None = None
    req: int | None = None


@dataclass(slots=True)
class EpisodeEnd(Event):
    kind: ClassVar[str] = "episode_end"
    episode: int = 0
    seed: int | None = None
    total_reward: float = 0.0
    episode_length: int = 0
    terminated: bool = False
    truncated: bool = False
    rewards: dict[str, float] | None = None
    frame: Frame | None = None  # the last picture, where a worker sends one with the end
    req: int | None = None


@dataclass(slots=True)
class RunEnd(Event):
    """A streamed `run` finished (or was interrupted by `stop`)."""

    kind: ClassVar[str] = "run_end"
    episodes: int = 0
    steps: int = 0
    interrupted: bool = False
    req: int | None = None


@dataclass(slots=True)
class Error(Event):
    """Something went wrong; `fatal` means the worker is exiting."""

    kind: ClassVar[str] = "error"
    message: str = ""
    code: str = "error"
    cmd: str | None = None
    fatal: bool = False
    req: int | None = None


@dataclass(slots=True)
class Progress(Event):
    """Something slow is under way (a JIT warm-up, a model loading); not an answer."""

    kind: ClassVar[str] = "progress"
    message: str = ""
    req: int | None = None


@dataclass(slots=True)
class Stopped(Event):
    kind: ClassVar[str] = "stopped"
    req: int | None = None


@dataclass(slots=True)
class Pong(Event):
    kind: ClassVar[str] = "pong"
    req: int | None = None


@dataclass(slots=True)
class AgentReady(Event):
    kind: ClassVar[str] = "agent_ready"
    player_id: str = "agent"
    worker: str | None = None
    req: int | None = None


@dataclass(slots=True)
class ActionSelected(Event):
    kind: ClassVar[str] = "action_selected"
    action: Any = None
    player_id: str | None = None
    reason: str | None = None
    action_str: str | None = None  # the action by name, as the worker would write it
    record: dict[str, Any] | None = None  # what to keep about this decision (telemetry)
    req: int | None = None


COMMANDS: dict[str, type[Command]] = {
    cls.kind: cls for cls in (Reset, Step, Render, Run, Stop, Ping, InitAgent, SelectAction)
}
EVENTS: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        Init,
        Ready,
        StepResult,
        Rendered,
        EpisodeEnd,
        RunEnd,
        Error,
        Progress,
        Stopped,
        Pong,
        AgentReady,
        ActionSelected,
    )
}


def legal_mask(event: Ready | StepResult, n: int) -> list[int] | None:
    """The 0/1 mask of legal actions an event gives, whichever field it gives it in."""
    if event.legal_actions is not None:
        mask = [0] * n
        for action in event.legal_actions:
            if 0 <= action < n:
                mask[action] = 1
        return mask
    return event.action_mask
