"""Simultaneous steps: every live player chooses, then the env steps once.

AI players are asked all at once and think while the humans do; humans share the keyboard one
at a time, in seat order, and the pane says whose it is. The step is sent only when
`MultiAgentStepState` is complete, so nothing moves on a partial set of actions. A decision
worker that fails or misses its per-decision timeout marks the operator with its name.
"""

from __future__ import annotations

import asyncio
from typing import Any

from mosaic_tui.core import MultiAgentStepState
from mosaic_tui.runtime.events import Notice
from mosaic_tui.runtime.players import Decision, DecisionWithdrawn, HumanPlayer


class JointStep:
    """A mixin of `OperatorRunner` (uses its players, guard, masks and `_step`)."""

    pending: MultiAgentStepState | None = None  # the actions gathered for the coming step

    @property
    def simultaneous(self) -> bool:
        return bool(self.env and self.env.stepping == "simultaneous")

    def joint_decision(self, agent: str) -> Decision:
        observation = self._observation.get(agent) if isinstance(self._observation, dict) else None
        mask = (self._masks or {}).get(agent)
        return Decision(agent, self.step_index, self.labels, mask, observation)

    def _follow_live(self, live: list[str] | None, masks: dict[str, list[int]] | None) -> None:
        """After a reset or step of a simultaneous game: who acts next; the first human among
        them has the keyboard."""
        if not self.simultaneous or live is None:
            return
        self._live, self._masks = list(live), masks
        humans = [a for a in live if isinstance(self.players.get(a), HumanPlayer)]
        if live:
            self._hand_keyboard_to(humans[0] if humans else live[0])

    def _hand_keyboard_to(self, agent: str) -> None:
        """The next key answers this human; legality checks follow their mask."""
        self._to_move = agent
        self._mask = (self._masks or {}).get(agent)

    async def _step_together(self, key: Any = None) -> Any:
        live = list(self._live)
        humans = [a for a in live if isinstance(self.players[a], HumanPlayer)]
        asked = [a for a in live if a not in humans and not self.players[a].self_driving]
        state = self.pending = MultiAgentStepState(self.step_index, humans, asked)

        async def think(agent: str) -> None:
            action = await self._guard(self.decider(agent).decide(self.joint_decision(agent)))
            state.add_action(agent, action)  # recorded as it comes: the pane shows who is left

        async def keyboard() -> None:
            nonlocal key
            for human in humans:
                self._hand_keyboard_to(human)
                while True:
                    if key is None:
                        key = await self.decider(human).decide(self.joint_decision(human))
                    if self.legal_now(key):
                        break
                    self.emit(
                        Notice(
                            self.config.operator_id,
                            self.run_id,
                            f"{self._label(key)} is not allowed for {human} now",
                        )
                    )
                    key = None
                state.add_action(human, key)
                key = None

        everyone = [asyncio.ensure_future(think(a)) for a in asked]
        everyone.append(asyncio.ensure_future(keyboard()))
        try:
            done, _ = await asyncio.wait(everyone, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                if task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        except DecisionWithdrawn:
            return None
        finally:
            for task in everyone:
                if not task.done():
                    task.cancel()
                elif not task.cancelled():
                    task.exception()  # retrieved: no "never retrieved" warning
            self.pending = None
            if humans:
                self._hand_keyboard_to(humans[0])
        assert state.is_complete()
        return await self._step(None, actions=state.get_all_actions())
