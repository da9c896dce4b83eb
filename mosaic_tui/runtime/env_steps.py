"""How a runner's steps reach its env worker: the request, its answer, the episode's end, the
pictures a stream leaves out, and steps sent ahead. The runner decides who moves (its
stepper); this sends what was decided and hands the answers back to the runner's telling.

Steps sent ahead: when nobody has to decide the next step (the env worker's own baseline plays
every seat) and the caller steps again at once (a headless per-step run, play as fast as it
goes), the next step goes out before this one's answer is read. The env never waits for the
app between steps, and each step is still a request and an answer of its own, taken in order.
The step sent ahead of an episode's end is refused by the env, and that answer dropped
(`WorkerProcess.forget`); one still out when anything else comes (a pause's picture, a reset,
a human's key) is taken first, as the step it is. So is a step whose wait was cancelled (a
control pressed twice cancels the first): the env took it, and its answer is still to come.
"""

from __future__ import annotations

import asyncio
import collections
import time
from typing import TYPE_CHECKING, Any

from mosaic_tui.protocol import EpisodeEnd, Step, StepResult
from mosaic_tui.protocol.messages import Render, Rendered
from mosaic_tui.runtime.events import FrameDrawn, StepTaken
from mosaic_tui.runtime.process import CommandRejected

if TYPE_CHECKING:
    from mosaic_tui.runtime.runner import OperatorRunner

Sent = tuple[int, bool]  # a step request: its number, whether it may leave its picture out


class EnvSteps:
    def __init__(self, runner: OperatorRunner) -> None:
        self.runner = runner
        # steps sent and not yet answered, oldest first: at most this one and the next
        self.unanswered: collections.deque[Sent] = collections.deque()
        self.frame_behind = False  # the last steps left their pictures out (a stream)
        self.redraws = True  # the env draws the current state on request (`render`)

    @property
    def sends_ahead(self) -> bool:
        """The next step can go out before this one's answer: nobody decides it here (the
        env's own baseline plays every seat) and the env is ours (it ends episodes itself)."""
        runner = self.runner
        return (
            runner.self_driving
            and runner.config.env_command is None  # (another program may answer otherwise)
            and not runner.reference_env
            and not runner.stopping
        )

    @property
    def skippable(self) -> bool:
        """Steps of a stream may leave their pictures out (`frame_pacing.py`): a pane asks
        for them, no human plays here (a human sees every move), no VLM player decides from
        them, and the env is one of ours (it draws the current state when asked)."""
        runner = self.runner
        return (
            runner.frame is not None
            and runner.vision is None
            and self.redraws
            and not runner.humans
            and not runner.reference_env
        )

    async def send(
        self, action: Any, actions: dict[str, Any] | None = None, *, ahead: bool = False
    ) -> StepTaken | None:
        """Send the chosen action(s); ends the episode if the env says so. `ahead`: the
        caller steps again at once, so a self-driving env is sent its next step now.
        None, having sent nothing, if the steps still out ended the episode first."""
        runner = self.runner
        if self.unanswered and (action is not None or actions is not None):
            await self.take_ahead()
            if runner.episode_over:
                return None

        async def go() -> tuple[StepResult, EpisodeEnd | None, bool]:
            unanswered = self.unanswered
            if not unanswered:
                unanswered.append(await self._request(action, actions))
            req, skip = unanswered[0]
            sent = time.monotonic()
            if ahead and len(unanswered) == 1 and self.sends_ahead:
                unanswered.append(await self._request(None, None))
            try:
                result = await runner.env_process.answer(
                    req, "step", StepResult, runner.timeouts.step
                )
            except asyncio.CancelledError:
                raise  # still out: whoever comes next takes it (`take_ahead`)
            except BaseException:
                self.drop_unanswered()
                raise
            unanswered.popleft()
            runner.frames.took(time.monotonic() - sent)
            return result, await self._end(result), skip

        result, end, skip = await runner.guard(go())
        if result.frame is not None:
            self.frame_behind = False
        elif skip:
            self.frame_behind = True  # a pause now would leave an older picture on screen
        taken = runner.stepped(result)
        if end is not None:
            runner.ended(end)
        return taken

    async def _request(self, action: Any, actions: dict[str, Any] | None) -> Sent:
        runner = self.runner
        skip = self.skippable and not runner.frames.wanted(time.monotonic())
        step = Step(
            action=action, actions=actions, frame=runner.wanted_frame, skip_frame=skip or None
        )
        return await runner.env_process.send(step), skip

    async def _end(self, result: StepResult) -> EpisodeEnd | None:
        """The episode's end, if this step ended it (the env's word, or ours at max_steps)."""
        runner, process = self.runner, self.runner.env_process
        if result.terminated or result.truncated:
            self.drop_unanswered()  # they find the episode over: their refusals are dropped
            event = await process.next_event(runner.timeouts.step, waiting_for="episode_end")
            return event if isinstance(event, EpisodeEnd) else None
        limit = runner.config.max_steps
        if runner.reference_env and limit is not None and result.step_index >= limit:
            # a reference env worker may ignore `max_steps` (random_worker does): ours holds
            result.truncated = True
            process.note(f"episode truncated at max_steps = {limit} by mosaic-tui")
            return EpisodeEnd(
                episode=result.episode,
                seed=runner.now.seed,
                total_reward=result.episode_return,
                episode_length=result.step_index,
                truncated=True,
            )
        return None

    def drop_unanswered(self) -> None:
        for req, _skip in self.unanswered:
            self.runner.env_process.forget(req)
        self.unanswered.clear()

    async def take_ahead(self) -> None:
        """Steps still out are steps the env takes: their answers are taken like any other."""
        while self.unanswered and not self.runner.episode_over:
            await self.send(None)
        self.drop_unanswered()  # (none left, unless the episode ended first)

    async def catch_up_frame(self) -> FrameDrawn | None:
        """Show the current state: the last steps of a stream left their pictures out, so
        the env draws it now (a paused stream's pane never stays on an older one)."""
        runner = self.runner
        if runner.stopping:
            return None
        await self.take_ahead()
        if not self.frame_behind:
            return None
        self.frame_behind = False

        async def go() -> Rendered | None:
            try:
                return await runner.env_process.request(
                    Render(frame=runner.wanted_frame), Rendered, runner.timeouts.step
                )
            except CommandRejected:  # an env that cannot: every step has its picture
                self.redraws = False
                return None

        drawn = await runner.guard(go())
        if drawn is None or drawn.frame is None:
            return None
        runner.now.frame = drawn.frame
        event = FrameDrawn(
            runner.config.operator_id,
            runner.run_id,
            episode=runner.now.index,
            step_index=drawn.step_index,
            frame=drawn.frame,
        )
        runner.emit(event)
        return event
