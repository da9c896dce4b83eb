"""The wire protocol between the app and its workers: the only place it is defined.

Workers and the app both import from here. See docs/protocol.md for every message.
"""

from mosaic_tui.protocol.arrays import pack, unpack
from mosaic_tui.protocol.codec import (
    EVENT_ALIASES,
    MAX_LINE_BYTES,
    ProtocolError,
    decode_command,
    decode_event,
    encode,
    to_wire,
)
from mosaic_tui.protocol.frames import (
    Frame,
    FrameError,
    FrameRequest,
    area_downsample,
    fit_frame,
    fit_size,
)
from mosaic_tui.protocol.messages import (
    COMMANDS,
    EVENTS,
    PROTOCOL_VERSION,
    ActionSelected,
    AgentReady,
    Command,
    EpisodeEnd,
    Error,
    Event,
    Init,
    InitAgent,
    Message,
    Ping,
    Pong,
    Ready,
    Reset,
    Run,
    RunEnd,
    SelectAction,
    Step,
    StepResult,
    Stop,
    Stopped,
)

__all__ = [
    "COMMANDS", "EVENTS", "EVENT_ALIASES", "MAX_LINE_BYTES", "PROTOCOL_VERSION",
    "ActionSelected", "AgentReady", "Command", "EpisodeEnd", "Error", "Event", "Frame",
    "FrameError", "FrameRequest", "Init", "InitAgent", "Message", "Ping", "Pong",
    "ProtocolError", "Ready", "Reset", "Run", "RunEnd", "SelectAction", "Step", "StepResult",
    "Stop", "Stopped", "area_downsample", "decode_command", "decode_event", "encode",
    "fit_frame", "fit_size", "pack", "to_wire", "unpack",
]
