"""The decision-makers that sit in player seats: the core's `Operator`, made real.

Three kinds: the env worker's own baseline (self-driving: nothing to ask), a decision worker
(one subprocess per player), and a human (the app hands the runner a `HumanKeyboard`). Each is
registered in an `OperatorService` under `operator_id_for(worker_id, agent)` and the
`PolicyMappingService` built by `seating` routes every decision to it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from mosaic_tui.core import (
    Decision,
    Operator,
    OperatorConfig,
    OperatorService,
    PolicyMappingService,
    WorkerAssignment,
    operator_id_for,
)
from mosaic_tui.core.assignment import HUMAN_WORKER_ID
from mosaic_tui.protocol import (
    ActionSelected,
    AgentReady,
    FrameRequest,
    Init,
    InitAgent,
    Ready,
    Reset,
    SelectAction,
)
from mosaic_tui.protocol.dialect import NATIVE, REFERENCE, action_name
from mosaic_tui.protocol.settings import frame_size
from mosaic_tui.protocol.worker_settings import DEFAULT_IMAGE_SIZE, LLM_WORKER, default
from mosaic_tui.runtime import command_line
from mosaic_tui.runtime.keyboard import DecisionWithdrawn, HumanKeyboard
from mosaic_tui.runtime.launcher import LaunchError, worker
from mosaic_tui.runtime.process import WorkerProcess
from mosaic_tui.runtime.spawn import Spawn

#: A command worker's placeholder values and environment, for a player id (None: the env's).
Context = Callable[[str | None], tuple[dict[str, str], dict[str, str]]]


class Player(Operator, Protocol):
    """An `Operator` with a seat and a lifecycle: started once the env has said what it is,
    stopped with its operator."""

    agent: str
    self_driving: bool  # the env worker's own baseline acts: the runner sends `step {}`

    async def start(self, env: Init) -> None: ...
    async def stop(self) -> None: ...


class _Seat:
    """Id and name of the decision-maker in one seat."""

    self_driving = False

    def __init__(self, agent: str, worker_id: str, name: str) -> None:
        self.agent = agent
        self.id = operator_id_for(worker_id, agent)
        self.name = name

    async def start(self, env: Init) -> None:
        return None

    async def reset(self, seed: int | None = None) -> None:
        return None

    async def stop(self) -> None:
        return None


class SelfDriving(_Seat):
    """The env worker plays this seat itself (its baseline, or a trained policy file it
    loaded); there is nothing to ask."""

    self_driving = True

    def __init__(
        self,
        agent: str,
        worker_id: str = "baseline_worker",
        plays: dict[str, Any] | None = None,
    ) -> None:
        self.plays = plays or {"policy": "random"}  # the env worker's settings for it
        trained = "policy_path" in self.plays
        super().__init__(agent, worker_id, "env worker's " + ("policy" if trained else "baseline"))

    async def select_action(self, decision: Decision) -> Any:
        return None


class WorkerPlayer(_Seat):
    """A decision worker subprocess answering `select_action` for one player."""

    def __init__(
        self,
        agent: str,
        assignment: WorkerAssignment,
        run_id: str,
        *,
        log_path: Path | None,
        timeout: float,
        spawn: Spawn | None = None,
        context: Context | None = None,
        host: str | None = None,
    ) -> None:
        definition = worker(assignment.worker_id)
        if definition.role != "decision":
            raise LaunchError(
                f"{assignment.worker_id} cannot play {agent}: it is an"
                f" {definition.role} worker, not a decision worker"
            )
        super().__init__(agent, assignment.worker_id, assignment.worker_id)
        dialect = NATIVE
        template = definition.template
        if assignment.worker_id == command_line.COMMAND_WORKER:
            template = assignment.settings.get("command", "")
        if template:
            values, env = context(agent) if context is not None else ({"run_id": run_id}, {})
            try:
                argv = command_line.expand(template, values)
            except command_line.CommandError as exc:
                raise LaunchError(f"{agent}: {exc}") from None
            dialect = assignment.settings.get("dialect", definition.dialect)
            if assignment.worker_id == command_line.COMMAND_WORKER:
                dialect = assignment.settings.get("dialect", "auto")
            name = f"{command_line.label(argv)}[{agent}]"
        else:
            argv, env = definition.command(run_id, assignment.settings, player_id=agent)
            name = f"{assignment.worker_id}[{agent}]"
        if host:
            name += f"@{host}"
        self.timeout = timeout
        self.last_record: dict[str, Any] | None = None  # the last decision's, for telemetry
        self.sees = assignment.worker_type == "vlm"  # shown the picture with each decision
        self.process = WorkerProcess(
            argv,
            name=name,
            log_path=log_path,
            env=env,
            expects_init=definition.speaks_init,
            spawn=spawn,
            dialect=dialect,
            host=host,
        )

    async def start(self, env: Init) -> None:
        await self.process.start()
        await self.process.request(
            InitAgent(
                player_id=self.agent,
                game=env.env_id or "",
                action_space=env.action_space or {},
                labels=env.action_labels or [],
                noop_action=env.noop_action,
                env_settings=env.env_settings,
                team=(env.teams or {}).get(self.agent),
            ),
            AgentReady,
            self.timeout,
        )

    async def reset(self, seed: int | None = None) -> None:
        if self.process.dialect == REFERENCE:
            # a reference action selector takes `reset` as an env command: it fails without
            # --task, and with one rebuilds an unseeded action space (no reproducibility)
            return
        await self.process.request(Reset(seed=seed), Ready, self.timeout)

    async def select_action(self, decision: Decision) -> Any:
        event = await self.process.request(
            SelectAction(
                observation=decision.observation,
                action_mask=decision.action_mask,
                player_id=decision.agent,
                step_index=decision.step_index,
                board=decision.board,
                moves=decision.moves,
                frame=decision.frame if self.sees else None,
            ),
            ActionSelected,
            self.timeout,
        )
        self.last_record = event.record
        if isinstance(event.action, str):  # a move by name (chess_worker answers in UCI)
            named = action_name(event)
            if decision.moves and named in decision.moves:
                return decision.moves[named]
            legal = ", ".join(list(decision.moves or {})[:12]) or "none by name"
            raise self.process.error(
                f"{self.process.name} chose {event.action!r}, which names no legal move"
                f" (legal: {legal})"
            )
        return event.action

    async def stop(self) -> None:
        await self.process.stop()


class HumanPlayer(_Seat):
    """Waits for the app to deliver a key press mapped to an action."""

    def __init__(
        self, agent: str, keyboard: HumanKeyboard | None, worker_id: str = HUMAN_WORKER_ID
    ) -> None:
        if keyboard is None:
            raise LaunchError(
                f"{agent} is a human player, which needs the app's keyboard;"
                " headless runs need a baseline, RL or LLM player instead"
            )
        super().__init__(agent, worker_id, "Human (keyboard)")
        self.keyboard = keyboard

    async def select_action(self, decision: Decision) -> Any:
        return await self.keyboard.next_key()


SELF_DRIVING_SETTINGS = {"behavior"}
HOSTED_POLICY_SETTINGS = {"policy_path", "mode", "seed", "record", "trust", "algorithm"}


def env_plays(assignment: WorkerAssignment) -> dict[str, Any] | None:
    """The env worker's settings to play this seat itself, exactly as its decision worker
    would, or None if it cannot: a baseline's behaviour; a trained `.npz` policy's file, mode
    and seed (PyTorch and ONNX files, and recorded probabilities, stay with rl_worker).
    Another program named as the worker, a plugin's say, always runs."""
    settings, kind = assignment.settings, (assignment.worker_id, assignment.worker_type)
    if kind == ("baseline_worker", "baseline") and set(settings) <= SELF_DRIVING_SETTINGS:
        return {"policy": settings.get("behavior", "random")}
    path = settings.get("policy_path")
    if (
        kind == ("rl_worker", "rl")
        and set(settings) <= HOSTED_POLICY_SETTINGS
        and isinstance(path, str)
        and path.lower().endswith(".npz")
        and settings.get("record", "none") == "none"
    ):
        plays = {"policy_path": path, "policy_mode": settings.get("mode", "greedy")}
        if settings.get("seed") is not None:
            plays["policy_seed"] = settings["seed"]
        return plays
    return None


def _env_plays_all(workers: dict[str, WorkerAssignment], host: str | None) -> bool:
    """The env worker can play every seat: each the same way (one baseline behaviour), a
    trained policy only when it is the one player, none of them on another host."""
    plays = [env_plays(a) for a in workers.values()]
    first = plays[0] if plays else None
    return (
        first is not None
        and all(p == first for p in plays)
        and ("policy_path" not in first or len(plays) == 1)
        and all(a.host in (None, host) for a in workers.values())
    )


def seating(config: OperatorConfig, players: dict[str, Player]) -> PolicyMappingService:
    """Register each seat's decision-maker and bind its agent to it: the mapping the runner
    asks for every decision."""
    service = OperatorService()
    for player in players.values():
        service.register_operator(player)
    return PolicyMappingService.from_config(config, service)


def vision_request(config: OperatorConfig) -> FrameRequest | None:
    """The largest `image_size` of the operator's VLM players (default 256x256), or None."""
    sizes = [
        frame_size(wa.settings.get("image_size", DEFAULT_IMAGE_SIZE))
        for wa in config.workers.values()
        if wa.worker_type == "vlm"
    ]
    if not sizes:
        return None
    pairs = [tuple(int(n) for n in size.split("x")) for size in sizes]
    return FrameRequest(max(w for w, _ in pairs), max(h for _, h in pairs))


def make_players(
    workers: dict[str, WorkerAssignment],
    run_id: str,
    *,
    self_drive: bool,
    keyboard: HumanKeyboard | None,
    log_path: Callable[[str], Path | None],
    timeout: float,
    spawn: Spawn | None = None,
    coordination_level: int = 1,
    context: Context | None = None,
    host: str | None = None,
) -> dict[str, Player]:
    """A decision-maker per seat. The env worker plays the seats itself only if it can play
    every one (all baselines of one behaviour, or one trained `.npz` policy: `env_plays`);
    otherwise none does.
    LLM players get the operator's coordination level unless their own settings say one.
    `host`: where players that name no host of their own run (None: here)."""
    drive = self_drive and _env_plays_all(workers, host)
    return {
        agent: make_player(
            agent,
            _with_coordination(assignment, coordination_level),
            run_id,
            self_drive=drive,
            keyboard=keyboard,
            log_path=log_path(agent),
            timeout=timeout,
            spawn=spawn,
            context=context,
            host=(host if assignment.host is None else assignment.host) or None,
        )
        for agent, assignment in workers.items()
    }


def _with_coordination(assignment: WorkerAssignment, level: int) -> WorkerAssignment:
    if assignment.worker_type != "llm" or "coordination_level" in assignment.settings:
        return assignment
    copy = assignment.copy()
    copy.settings["coordination_level"] = level
    return copy


def make_player(
    agent: str,
    assignment: WorkerAssignment,
    run_id: str,
    *,
    self_drive: bool,
    keyboard: HumanKeyboard | None,
    log_path: Path | None,
    timeout: float,
    spawn: Spawn | None = None,
    context: Context | None = None,
    host: str | None = None,
) -> Player:
    """Choose how this player's decisions are made.

    A baseline whose only setting is its behaviour, or a trained `.npz` policy, runs inside
    the env worker (no extra process, and whole episodes can stream); it takes the same
    actions either way.
    """
    if assignment.worker_type == "human":
        return HumanPlayer(agent, keyboard, assignment.worker_id)
    plays = env_plays(assignment) if self_drive else None
    if plays is not None:
        return SelfDriving(agent, assignment.worker_id, plays)
    if assignment.worker_type in ("llm", "vlm"):  # each try may take its request timeout
        per_try = float(assignment.settings.get("timeout", default(LLM_WORKER, "timeout")))
        tries = 1 + max(0, int(assignment.settings.get("retries", default(LLM_WORKER, "retries"))))
        timeout = max(timeout, per_try * tries + 5.0)
    return WorkerPlayer(
        agent,
        assignment,
        run_id,
        log_path=log_path,
        timeout=timeout,
        spawn=spawn,
        context=context,
        host=host,
    )


__all__ = [
    "DecisionWithdrawn",
    "HumanKeyboard",
    "HumanPlayer",
    "Player",
    "SelfDriving",
    "WorkerPlayer",
    "make_player",
    "make_players",
    "seating",
]
