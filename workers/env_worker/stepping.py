"""Who acts in a step of the env worker: the same split as the app's runner (PettingZoo's AEC
and parallel forms). A stepper checks the actions a `step` command gives and fills in what the
worker's own policy plays; `EnvRuntime.advance` then applies them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from env_worker.episode import Episode
from mosaic_tui.protocol import Step

if TYPE_CHECKING:
    from env_worker.runtime import EnvRuntime


class Refused(Exception):
    """A step command that cannot be played; the message and code go back as an error."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class TurnBased:
    """Single-agent and AEC games: one action per step, by the agent to move."""

    def __init__(self, runtime: EnvRuntime) -> None:
        self.runtime = runtime

    def actions(self, ep: Episode, cmd: Step) -> Any:
        action = cmd.action
        if cmd.actions:
            mover = ep.to_move or "agent"
            if set(cmd.actions) != {mover}:
                raise Refused(
                    f"it is {mover}'s move, not {', '.join(sorted(cmd.actions))}'s",
                    "not_your_turn",
                )
            action = cmd.actions[mover] if action is None else action
        if action is None:
            return self.own(ep)
        if not self.runtime.legal(action, ep.mask):
            raise Refused(self.runtime.illegal(action, ep.mask, ep.to_move), "illegal_action")
        return int(action)

    def own(self, ep: Episode) -> Any:
        """The worker policy's move."""
        return self.runtime.policy.act(ep.mask, ep.obs)


class Simultaneous:
    """Parallel games: every live agent acts; those the app leaves out play the worker's
    policy, and every given action is checked first."""

    def __init__(self, runtime: EnvRuntime) -> None:
        self.runtime = runtime

    def actions(self, ep: Episode, cmd: Step) -> Any:
        live = ep.live or []
        if cmd.action is not None:
            raise Refused(
                "this game is simultaneous: send actions {agent: action} for the agents that"
                f" act ({', '.join(live)}), not a single action",
                "bad_command",
            )
        given = dict(cmd.actions or {})
        done = sorted(set(given) - set(live))
        if done:
            raise Refused(
                f"{', '.join(done)} no longer act in this episode; live agents are"
                f" {', '.join(live) or 'none'}",
                "not_your_turn",
            )
        masks = ep.masks or {}
        for agent, action in given.items():
            if not self.runtime.legal(action, masks.get(agent)):
                raise Refused(
                    self.runtime.illegal(action, masks.get(agent), agent), "illegal_action"
                )
        return self.own(ep, given)

    def own(self, ep: Episode, given: dict[str, int] | None = None) -> dict[str, int]:
        """One action per live agent: the given ones, the worker policy's for the rest."""
        given = given or {}
        masks = ep.masks or {}
        policy = self.runtime.policy
        return {
            agent: int(given[agent]) if agent in given else policy.act(masks.get(agent))
            for agent in ep.live or []
        }
