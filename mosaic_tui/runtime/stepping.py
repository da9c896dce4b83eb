"""Who moves, and what a key press does: the rules of play, in one file.

A runner has one stepper, chosen by the env's `SteppingParadigm` (PettingZoo's AEC / parallel
split):

- `TurnBased` (single-agent and AEC games): the player to move decides, the env steps. After a
  human's key, the AI players answer until a human is to move again.
- `Simultaneous` (parallel games): every live player chooses, then the env steps once. AI
  players are asked all at once and think while the humans do; humans share the keyboard one
  at a time, in seat order. Nothing moves on a partial set of actions.

`press` is the whole story of a human's key; `key_for_step_all` / `step_for_step_all` give
step-all its order (every human's key first, then all operators step together).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mosaic_tui.core import Decision, MultiAgentStepState, OperatorState
from mosaic_tui.runtime.events import Asked, StepTaken, Thinking
from mosaic_tui.runtime.keyboard import DecisionWithdrawn
from mosaic_tui.runtime.players import HumanPlayer
from mosaic_tui.runtime.process import WorkerError

if TYPE_CHECKING:
    from mosaic_tui.runtime.runner import OperatorRunner

SeedFn = Callable[[], int | None]


class NoKey:
    """step-all: this operator's next step needs no human key."""


NO_KEY = NoKey()


#: A decision slower than this (an LLM's, say) is told as `Thinking`: the pane says whom it
#: waits for. Faster ones (an RL policy's, a baseline's) are not: nothing is emitted per step.
SLOW_DECISION = 0.5


class Stepper:
    """The rules shared by both kinds of game; `step` and `answer` are theirs."""

    def __init__(self, runner: OperatorRunner) -> None:
        self.runner = runner

    async def choice(self, agent: str, decision: Decision) -> Any:
        """`agent`'s action from its player (a worker's failure marks the operator)."""
        runner = self.runner
        player = runner.players.get(agent)
        if player is None or player.self_driving or isinstance(player, HumanPlayer):
            # the env's own baseline (no wait), or a human (whose wait is "your move")
            return await runner.guard(runner.mapping.select_action(decision))
        slow = asyncio.get_running_loop().call_later(SLOW_DECISION, self._slow, agent)
        try:
            return await runner.guard(runner.mapping.select_action(decision))
        finally:
            slow.cancel()
            runner.thinking.discard(agent)  # the step (or the failure) redraws the pane

    def _slow(self, agent: str) -> None:
        runner = self.runner
        runner.thinking.add(agent)
        runner.tell(Thinking, agents=tuple(sorted(runner.thinking)))

    @property
    def waiting_for(self) -> list[str]:
        """Players whose choice the coming step still needs."""
        return [self.runner.to_move] if not self.runner.episode_over else []

    async def step(self, key: Any = None, ahead: bool = False) -> StepTaken | None:
        """`ahead`: the caller steps again at once (`env_steps.py`)."""
        raise NotImplementedError

    async def answer(self) -> None:
        """After a human's key: what the others do before the human is asked again."""

    async def press(self, key: int, *, looping: bool, next_seed: SeedFn) -> str | None:
        """A human's key for this operator; returns why it was refused, or None.

        Over: the finished episode stayed on screen until this key, which begins the next.
        Someone waiting for the key (a play loop, a simultaneous step) gets it; a running play
        loop between questions gets it held for its next one; otherwise it steps at once, and
        the AI players answer.
        """
        runner = self.runner
        if runner.state is OperatorState.ERROR:
            return "this operator is not running"
        if runner.episode_over:
            return await self.next_episode(looping=looping, next_seed=next_seed)
        if not runner.human_to_move:
            return f"it is {runner.to_move}'s move"
        if not runner.legal_now(key):
            return runner.refused(key)
        keyboard = runner.keyboard
        assert keyboard is not None  # a human is to move: the runner has a keyboard
        if keyboard.press(key):
            return None
        if looping:
            keyboard.hold(key)
            return None
        try:
            await runner.step(key)
            await self.answer()
        except WorkerError as exc:
            return exc.summary
        return None

    async def next_episode(self, *, looping: bool, next_seed: SeedFn) -> str | None:
        """The human saw how the episode ended and goes on (nothing if it already began).
        Paused, an AI that moves first does so now; a running loop goes on by itself."""
        runner = self.runner
        if runner.state is OperatorState.ERROR:
            return "this operator is not running"
        if not runner.episode_over:
            return None
        try:
            await runner.reset(next_seed, only_if_over=True)
            if not looping:
                await self.answer()
        except WorkerError as exc:
            return exc.summary
        return None

    async def key_for_step_all(self) -> Any:
        """Step-all asks every human before any operator moves: this operator's key, or
        NO_KEY when its next step needs none. Raises DecisionWithdrawn if taken back."""
        runner = self.runner
        if runner.episode_over or not runner.human_to_move or runner.keyboard is None:
            return NO_KEY
        return await runner.keyboard.next_key()

    async def step_for_step_all(self, key: Any, next_seed: SeedFn) -> None:
        if self.runner.episode_over:
            await self.runner.reset(next_seed, only_if_over=True)
        else:
            await self.runner.step(None if key is NO_KEY else key)


class TurnBased(Stepper):
    """One player per step: the one the env names (the only one, in a single-agent game)."""

    def decision(self) -> Decision:
        runner, episode = self.runner, self.runner.now
        return Decision(
            episode.to_move,
            episode.step_index,
            runner.labels,
            episode.mask,
            episode.observation,
            episode.board,
            episode.moves,
            episode.frame,
        )

    async def step(self, key: Any = None, ahead: bool = False) -> StepTaken | None:
        runner = self.runner
        if key is None:
            if runner.human_to_move:
                runner.tell(Asked, agents=(runner.to_move,))
            try:  # a decision worker that dies or refuses marks the operator, like the env
                key = await self.choice(runner.to_move, self.decision())
            except DecisionWithdrawn:
                return None
            runner.note_decision(runner.to_move)
        if runner.human_to_move and not runner.legal_now(key):
            # a key held from earlier may have become illegal: refuse it, not the operator
            runner.notice(runner.refused(key))
            return None
        return await runner.send_step(key, ahead=ahead)

    async def answer(self) -> None:
        runner = self.runner
        while not runner.episode_over and not runner.human_to_move:
            if await runner.step() is None:
                break


class Simultaneous(Stepper):
    """Every live player chooses, then one env step with all the actions."""

    def __init__(self, runner: OperatorRunner) -> None:
        super().__init__(runner)
        self.gathering: MultiAgentStepState | None = None  # the coming step's actions so far

    def decision(self, agent: str) -> Decision:
        """Each agent sees its own observation and its own legal actions."""
        runner, episode = self.runner, self.runner.now
        observation = episode.observation
        mine = observation.get(agent) if isinstance(observation, dict) else None
        mask = (episode.masks or {}).get(agent)
        return Decision(agent, episode.step_index, runner.labels, mask, mine, frame=episode.frame)

    @property
    def waiting_for(self) -> list[str]:
        state = self.gathering
        if state is None:
            return [] if self.runner.episode_over else list(self.runner.now.live)
        return state.pending_human_agents() + state.pending_ai_agents()

    async def step(self, key: Any = None, ahead: bool = False) -> StepTaken | None:
        runner = self.runner
        episode = runner.now
        humans = [a for a in episode.live if isinstance(runner.players[a], HumanPlayer)]
        asked = [a for a in episode.live if a not in humans and not runner.players[a].self_driving]
        state = self.gathering = MultiAgentStepState(episode.step_index, humans, asked)

        def chosen(agent: str, action: Any) -> None:
            state.add_action(agent, action)  # recorded as it comes: the pane shows who is left
            if humans and not state.is_complete():
                runner.tell(Asked, agents=tuple(self.waiting_for))

        if humans:
            runner.tell(Asked, agents=tuple(self.waiting_for))

        async def think(agent: str) -> None:
            action = await self.choice(agent, self.decision(agent))
            runner.note_decision(agent)
            chosen(agent, action)

        async def keyboard() -> None:
            nonlocal key
            if humans:
                episode.hand_keyboard_to(humans[0])
            for i, human in enumerate(humans):
                while True:
                    if key is None:
                        key = await runner.mapping.select_action(self.decision(human))
                    if runner.legal_now(key):
                        break
                    runner.notice(runner.refused(key, human))
                    key = None
                if i + 1 < len(humans):  # before `chosen` tells who is asked next
                    episode.hand_keyboard_to(humans[i + 1])
                chosen(human, key)
                key = None

        everyone = [asyncio.ensure_future(think(a)) for a in asked]
        everyone.append(asyncio.ensure_future(keyboard()))
        try:
            done, _ = await asyncio.wait(everyone, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                error = task.exception()
                if error is not None:
                    raise error
        except DecisionWithdrawn:
            return None
        finally:
            for task in everyone:
                if not task.done():
                    task.cancel()
                elif not task.cancelled():
                    task.exception()  # retrieved: no "never retrieved" warning
            self.gathering = None
            if humans:
                episode.hand_keyboard_to(humans[0])
        assert state.is_complete()
        return await runner.send_step(None, actions=state.get_all_actions())
