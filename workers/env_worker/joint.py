"""Simultaneous games in the env worker: every live agent acts in one step; an agent the app
leaves out is played by the worker's own policy, and every given action is checked first."""

from __future__ import annotations

from typing import Any

from env_worker.episode import Episode
from mosaic_tui.protocol import Step


class JointActions:
    """A mixin of `EnvRuntime` (uses its adapter, policy, legality checks and `advance`)."""

    def step_together(self, ep: Episode, cmd: Step) -> None:
        """Simultaneous games: every live agent acts; those left out play the worker's policy."""
        given = dict(cmd.actions or {})
        if cmd.action is not None:
            self.fail(
                "this game is simultaneous: send actions {agent: action} for the agents that"
                f" act ({', '.join(ep.live or [])}), not a single action",
                "bad_command",
                "step",
                cmd.req,
            )
            return
        done = sorted(set(given) - set(ep.live or []))
        if done:
            self.fail(
                f"{', '.join(done)} no longer act in this episode; live agents are"
                f" {', '.join(ep.live or []) or 'none'}",
                "not_your_turn",
                "step",
                cmd.req,
            )
            return
        masks = ep.masks or {}
        for agent, action in given.items():
            if not self.legal(action, masks.get(agent)):
                self.fail(
                    self.illegal(action, masks.get(agent), agent), "illegal_action", "step", cmd.req
                )
                return
        self.advance(ep, self.own_action(ep, given), cmd.req)

    def own_action(self, ep: Episode, given: dict[str, int]) -> Any:
        """The worker policy's move: one action, or in simultaneous games one per live agent
        not already given."""
        if not self.adapter.parallel:
            return self.policy.act(ep.mask)
        masks = ep.masks or {}
        return {
            agent: int(given[agent]) if agent in given else self.policy.act(masks.get(agent))
            for agent in ep.live or []
        }
