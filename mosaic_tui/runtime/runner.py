"""One operator's episode loop: reset with a seed, collect the action, step, keep the books.

The same runner serves the app (step / run / pause at a pace), the headless CLI (whole
episodes streamed from a self-driving worker) and the tests. It only emits events; whoever
listens decides what to draw or record.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mosaic_tui.core import OperatorConfig, OperatorState
from mosaic_tui.envs import EnvError, env_settings
from mosaic_tui.envs.keymaps import move_name
from mosaic_tui.protocol import (
    EpisodeEnd,
    FrameRequest,
    Init,
    Ready,
    Reset,
    Step,
    StepResult,
    legal_mask,
)
from mosaic_tui.runtime.batches import EpisodeBatches
from mosaic_tui.runtime.events import (
    EpisodeEnded,
    EpisodeStarted,
    Listener,
    Notice,
    StepTaken,
)
from mosaic_tui.runtime.launcher import LaunchError, worker
from mosaic_tui.runtime.play_loop import PlayLoop
from mosaic_tui.runtime.players import (
    Decision,
    DecisionWithdrawn,
    HumanInput,
    Player,
    Seat,
    WorkerPlayer,
    make_players,
    routing,
)
from mosaic_tui.runtime.process import WorkerProcess
from mosaic_tui.runtime.reporting import Reporting
from mosaic_tui.runtime.seats import Seats
from mosaic_tui.runtime.simultaneous import JointStep

log = logging.getLogger(__name__)
_UCI = re.compile(r"^[a-h][1-8][a-h][1-8][qrbn]?$")
Seed = int | None | Callable[[], int | None]


@dataclass(frozen=True)
class Timeouts:
    start: float = 60.0  # imports + env construction
    reset: float = 60.0  # first resets may JIT-compile (mosaic-multigrid: ~11 s)
    step: float = 10.0
    decision: float = 30.0


class OperatorRunner(Reporting, Seats, JointStep, PlayLoop, EpisodeBatches):
    def __init__(
        self,
        config: OperatorConfig,
        *,
        run_id: str | None = None,
        log_dir: Path | None = None,
        frame: FrameRequest | None = None,
        self_drive: bool = True,
        human_input: HumanInput | None = None,
        timeouts: Timeouts = Timeouts(),
    ) -> None:
        self.config = config
        self.run_id = run_id or config.run_id or config.operator_id
        self.frame = frame
        self.timeouts = timeouts
        self.listeners: list[Listener] = []
        self.state = OperatorState.PENDING
        self.log_dir = log_dir
        self.agent = next(iter(config.workers))  # the first (single-agent: the only) player
        self.players: dict[str, Player] = make_players(
            config.workers,
            self.run_id,
            self_drive=self_drive,
            human_input=human_input,
            log_path=self._log_path,
            timeout=timeouts.decision,
        )
        # PolicyMappingService routes each agent to its seat's decision-maker
        self.operators, self.routing = routing(config, self.players)
        self._to_move = self.agent
        behavior = next(iter(config.workers.values())).settings.get("behavior", "random")
        self.env_process = self._env_process(behavior)
        self.env: Init | None = None
        # episode bookkeeping (the runner's own count keys telemetry)
        self.episodes_begun = 0
        self.episode = -1
        self.seed: int | None = None
        self.step_index = 0
        self.episode_return = 0.0
        self.episode_over = True
        self.returns: dict[str, float] = {}  # this episode's return of each player
        # the last step: who played which action, and the move names they chose from
        self._played: tuple[dict[str, Any], dict[str, int] | None] = ({}, None)
        self.last_end: EpisodeEnded | None = None  # how the last episode ended
        self._started_at = 0.0
        self._mask: list[int] | None = None
        self._live: list[str] = list(config.workers)  # simultaneous games: who acts next
        self._masks: dict[str, list[int]] | None = None
        # play loop controls
        self.pace: float | None = None  # steps per second; None = as fast as possible
        self._running = asyncio.Event()
        self._stopping = False
        self._lock = asyncio.Lock()
        self._parked = asyncio.Event()  # set while no play loop is inside a step or reset
        self._parked.set()
        self._new_episode = asyncio.Event()  # set by every reset: a held end is over
        self._observation: Any = None
        self.moves: dict[str, int] | None = None  # chess: legal moves by name -> action
        self.board: list[str] | None = None  # board games: the position as text
        # decision workers see observations; the env worker's own baseline needs none
        self.observe = any(isinstance(p, WorkerPlayer) for p in self.players.values())

    # ------------------------------------------------------------------ setup

    def _log_path(self, name: str) -> Path | None:
        if self.log_dir is None:
            return None
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.run_id)
        return self.log_dir / f"{safe}.{name}.log"

    def _env_process(self, behavior: str) -> WorkerProcess:
        definition = worker("env_worker")
        try:
            built_with = env_settings(
                self.config.task,
                self.config.env_settings,
                view_size=self.config.view_size,
                observation_mode=self.config.observation_mode
                if self.config.is_multiagent
                else None,
            )
        except EnvError as exc:
            raise LaunchError(f"{self.config.operator_id}: {exc}") from None
        settings: dict[str, Any] = {"env_settings": built_with or None}
        if self.config.is_multiagent:
            settings["execution_mode"] = self.config.execution_mode
        if self.self_driving:
            settings["policy"] = behavior
        argv, env = definition.command(self.run_id, settings, env_id=self.config.task)
        process = WorkerProcess(
            argv, name=f"env_worker[{self.config.task}]", log_path=self._log_path("env"), env=env
        )
        process.on_progress = self._progress
        return process

    def _progress(self, message: str) -> None:
        self.emit(Notice(self.config.operator_id, self.run_id, message))

    async def start(self) -> Init:
        async def go() -> Init:
            init = await self.env_process.start(self.timeouts.start)
            assert init is not None
            self.env = init
            seats = set(init.agents or ["agent"])
            if set(self.players) != seats:
                raise LaunchError(
                    f"{self.config.task} has the players {', '.join(sorted(seats))};"
                    f" the operator assigns {', '.join(sorted(self.players))}"
                    " (give one workers.<player> table per player)"
                )
            await asyncio.gather(*(p.start(init) for p in self.players.values()))
            return init

        try:
            init = await self._guard(go())
        except BaseException:  # nothing half-started is left running
            await asyncio.gather(
                *(p.stop() for p in self.players.values()),
                self.env_process.stop(grace=0.5),
                return_exceptions=True,
            )
            raise
        self.set_state(OperatorState.PAUSED)
        return init

    # ------------------------------------------------------------------ stepping

    async def reset(self, seed: Seed, *, only_if_over: bool = False) -> EpisodeStarted | None:
        """Start an episode. `seed` may be a function, called once the runner is free, so a
        seed that depends on how many episodes began is computed from the true count."""
        async with self._lock:
            if only_if_over and not self.episode_over:
                return None
            return await self._reset(seed() if callable(seed) else seed)

    async def _reset(self, seed: int | None) -> EpisodeStarted:
        async def go() -> Ready:
            ready = await self.env_process.request(
                Reset(
                    seed=seed,
                    max_steps=self.config.max_steps,
                    frame=self.frame,
                    auto_reset=False,
                    observe=self.observe,
                ),
                Ready,
                self.timeouts.reset,
            )
            await asyncio.gather(*(p.reset(seed) for p in self.players.values()))
            return ready

        return self._begin(await self._guard(go()))

    def _begin(self, ready: Ready) -> EpisodeStarted:
        self.episode = self.episodes_begun
        self.episodes_begun += 1
        self.seed = ready.seed
        self.step_index = 0
        self.episode_return = 0.0
        self.episode_over = False
        self.returns = dict.fromkeys(self.players, 0.0)
        self._played = ({}, None)
        self.last_end = None
        self._new_episode.set()
        self._mask = legal_mask(ready, len(self.labels))
        self._observation = ready.observation
        self._to_move = ready.agent_to_move or self.agent
        self._follow_live(ready.agents, ready.action_masks)
        self.moves, self.board = ready.moves, ready.board
        self._started_at = time.time()
        event = EpisodeStarted(
            self.config.operator_id,
            self.run_id,
            self.episode,
            ready.seed,
            self._started_at,
            ready.frame,
            ready.board,
        )
        self.emit(event)
        return event

    def decider(self, agent: str) -> Player:
        """The decision-maker the policy mapping binds this agent to."""
        binding = self.routing.get_binding(agent)
        seat = self.operators.get_operator(binding.policy_id) if binding else None
        if not isinstance(seat, Seat):
            raise LaunchError(f"{self.config.operator_id}: no decision-maker is bound to {agent}")
        return seat.player

    async def step(self, action: Any = None) -> StepTaken | None:
        """One env step; the player decides unless `action` is given (a key already pressed).

        Ends the episode if the env says so. Returns None, having done nothing, when the
        episode is already over or a human's pending decision was withdrawn (pause, reset).
        Steps and resets of one runner never overlap.
        """
        async with self._lock:
            if self.episode_over:
                return None
            if self.simultaneous:
                return await self._step_together(action)
            if action is None:
                try:
                    # a decision worker that dies or refuses marks the operator, like the env
                    action = await self._guard(
                        self.decider(self._to_move).decide(
                            Decision(
                                self._to_move,
                                self.step_index,
                                self.labels,
                                self._mask,
                                self._observation,
                                self.board,
                                self.moves,
                            )
                        )
                    )
                except DecisionWithdrawn:
                    return None
            if self.human_to_move and not self.legal_now(action):
                # a key held from earlier may have become illegal: refuse it, not the operator
                self.emit(
                    Notice(
                        self.config.operator_id,
                        self.run_id,
                        f"{self._label(action)} is not allowed now",
                    )
                )
                return None
            return await self._step(action)

    async def _step(self, action: Any, actions: dict[str, Any] | None = None) -> StepTaken:
        async def go() -> tuple[StepResult, EpisodeEnd | None]:
            result = await self.env_process.request(
                Step(action=action, actions=actions, frame=self.frame),
                StepResult,
                self.timeouts.step,
            )
            end = None
            if result.terminated or result.truncated:
                event = await self.env_process.next_event(
                    self.timeouts.step, waiting_for="episode_end"
                )
                end = event if isinstance(event, EpisodeEnd) else None
            return result, end

        result, end = await self._guard(go())
        taken = self._stepped(result)
        if isinstance(end, EpisodeEnd):
            self._ended(end)
        return taken

    def _stepped(self, result: StepResult) -> StepTaken:
        self.step_index = result.step_index
        self.episode_return = result.episode_return
        mover = result.agent or self.agent
        if result.rewards is not None:
            for agent, reward in result.rewards.items():
                self.returns[agent] = self.returns.get(agent, 0.0) + reward
        else:
            self.returns[mover] = result.episode_return
        # named only when asked (a headless stream never asks): `self.moves` is replaced below
        self._played = (result.actions or {mover: result.action}, self.moves)
        self._mask = legal_mask(result, len(self.labels))
        self._observation = result.observation
        self._to_move = result.agent_to_move or self.agent
        self._follow_live(result.agents, result.action_masks)
        self.moves, self.board = result.moves, result.board
        labels = self.env.action_labels if self.env else None
        label = (
            labels[result.action]
            if labels and isinstance(result.action, int) and 0 <= result.action < len(labels)
            else None
        )
        event = StepTaken(
            self.config.operator_id,
            self.run_id,
            self.episode,
            result.step_index,
            mover,
            result.action,
            result.reward,
            result.terminated,
            result.truncated,
            result.episode_return,
            result.frame,
            result.rewards,
            label,
            result.board,
            result.actions,
        )
        self.emit(event)
        return event

    @property
    def last_moves(self) -> list[tuple[str, str]]:
        """Who played what in the last step, named as a human would type or press it."""
        played, names = self._played
        return [(agent, self.name_of(action, names)) for agent, action in played.items()]

    def name_of(self, action: Any, names: dict[str, int] | None = None) -> str:
        """A move as a human names it: `Nf3`, `5` (a tic-tac-toe cell), `forward`; `names`
        are the legal moves by name it was chosen from (default: the current ones)."""
        found = [
            n for n, a in ((self.moves if names is None else names) or {}).items() if a == action
        ]
        if found:  # chess: SAN (`Nf3`) reads better than UCI (`g1f3`)
            return min(found, key=lambda n: (_UCI.match(n) is not None, len(n)))
        if not isinstance(action, int):
            return repr(action)
        return move_name(self.config.task, action, self._label(action))

    def _ended(self, end: EpisodeEnd) -> EpisodeEnded:
        self.episode_over = True
        event = EpisodeEnded(
            self.config.operator_id,
            self.run_id,
            self.episode,
            end.seed,
            end.total_reward,
            end.episode_length,
            end.terminated,
            end.truncated,
            self._started_at,
            time.time(),
            end.rewards,
        )
        self.last_end = event
        self.emit(event)
        return event

    async def stop(self) -> None:
        """Stop every worker of this operator (stop -> terminate -> kill)."""
        self._stopping = True
        self._running.set()  # release a paused play loop so it can see the stop
        await asyncio.gather(
            *(p.stop() for p in self.players.values()),
            self.env_process.stop(),
            return_exceptions=True,
        )
        if self.state is not OperatorState.ERROR:
            self.set_state(OperatorState.STOPPED)
