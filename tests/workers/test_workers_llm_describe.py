"""What an LLM player is told it sees: MiniGrid's egocentric view in words, classic control's
numbers by name (pinned for fixed seeds: the text is the model's only eyes)."""

from __future__ import annotations

import gymnasium as gym
import minigrid  # noqa: F401  (registers the ids)
import numpy as np
from llm_worker.describe import describe_observation
from llm_worker.prompt import Game, turn_prompt

from mosaic_tui.protocol import SelectAction, pack


def seen(task: str, seed: int, steps: tuple[int, ...] = ()) -> list[str] | None:
    env = gym.make(task)
    obs, _ = env.reset(seed=seed)
    for action in steps:
        obs, *_ = env.step(action)
    env.close()
    return describe_observation(task, obs)


def test_an_empty_room_names_the_goal_and_the_walls_around() -> None:
    assert seen("MiniGrid-Empty-5x5-v0", 0) == [
        "Mission: get to the green goal square.",
        "You face east.",
        "Right in front of you: nothing.",
        "You see a goal 2 steps forward and 2 steps right.",
        "Walls: a wall 3 steps forward; a wall 1 step left; a wall 3 steps right.",
    ]
    # a turn right: the goal is now 2 steps forward and 2 left, the walls move round
    assert seen("MiniGrid-Empty-5x5-v0", 0, (1,))[1:4] == [
        "You face south.",
        "Right in front of you: nothing.",
        "You see a goal 2 steps forward and 2 steps left.",
    ]


def test_doors_keys_and_what_the_agent_carries() -> None:
    assert seen("MiniGrid-DoorKey-5x5-v0", 1) == [
        "Mission: use the key to open the door and then get to the goal.",
        "You face south.",
        "Right in front of you: a yellow key.",
        "You see a locked yellow door 1 step left; a yellow key 1 step forward.",
        "Walls: a wall 1 step right.",
    ]
    carrying = seen("MiniGrid-DoorKey-5x5-v0", 1, (3,))  # pick up the key ahead
    assert carrying is not None and "You carry a yellow key." in carrying
    assert "Right in front of you: nothing." in carrying


def test_classic_control_numbers_are_named() -> None:
    assert describe_observation("CartPole-v1", np.array([0.1, -0.2, 0.03, 0.4])) == [
        "cart position 0.100, cart velocity -0.200, pole angle (rad) 0.030,"
        " pole angular velocity 0.400"
    ]
    assert describe_observation("Acrobot-v1", [1.0, 2.0]) is None  # not the 6 numbers it has


def test_the_prompt_shows_the_words_not_the_array() -> None:
    env = gym.make("MiniGrid-Empty-5x5-v0")
    obs, _ = env.reset(seed=0)
    game = Game("MiniGrid-Empty-5x5-v0", "agent", ["left", "right", "forward"])
    prompt = turn_prompt(game, SelectAction(observation=pack(obs), step_index=1), {"left": 0})
    assert "Observation:\nMission: get to the green goal square.\nYou face east." in prompt
    assert "array of shape" not in prompt


def test_toy_text_positions_are_told_with_what_is_around() -> None:
    assert describe_observation("FrozenLake-v1", np.int64(4), {}) == [
        "You are at row 2, column 1 of a 4x4 frozen lake (row 1 is the top); the goal is at"
        " row 4, column 4.",
        "Next to you: left: the edge; right: a hole; up: frozen (the start); down: frozen.",
        "Holes: row 2 column 2, row 2 column 4, row 3 column 4, row 4 column 1.",
    ]
    eight = describe_observation("FrozenLake-v1", 9, {"map_name": "8x8"})
    assert eight is not None and "of a 8x8 frozen lake" in eight[0]
    assert "row 2, column 2" in eight[0]
    own = describe_observation("FrozenLake-v1", 1, {"desc": ["SH", "FG"]})
    assert own is not None and "right: the edge" in own[1] and "left: frozen (the start)" in own[1]
    assert describe_observation("FrozenLake-v1", 0, {"map_name": None, "desc": None}) is not None
    taxi = describe_observation("Taxi-v4", 252, {})  # taxi (2, 2), passenger at B, to R
    assert taxi == [
        "The taxi is at row 3, column 3 of a 5x5 grid (row 1 is the top). The passenger is"
        " waiting at B (row 5, column 4); the destination is R (row 1, column 1)."
    ]
    cliff = describe_observation("CliffWalking-v1", 36, {})
    assert cliff is not None and cliff[0].startswith("You are at row 4, column 1 of a 4x12 grid")


def test_raw_observations_on_request() -> None:
    env = gym.make("MiniGrid-Empty-5x5-v0")
    obs, _ = env.reset(seed=0)
    game = Game("MiniGrid-Empty-5x5-v0", "agent", ["left"], words=False)
    prompt = turn_prompt(game, SelectAction(observation=pack(obs)), {"left": 0})
    assert "Mission:" not in prompt and "array of shape [7, 7, 3]" in prompt


def test_multigrid_players_are_named_by_team_and_its_own_objects_by_name() -> None:
    image = np.zeros((3, 3, 3), dtype=np.uint8)
    image[:, :, 0] = 1  # empty
    image[1, 0] = (10, 1, 0)  # a green agent 2 steps forward
    image[0, 1] = (11, 2, 0)  # mosaic-multigrid's goal for the ball, 1 forward and 1 left
    obs = {"image": image, "direction": 3, "mission": "maximize reward"}
    lines = describe_observation("MosaicMultiGrid-S-2v2-IndAgObs-v1", obs, None, "green")
    assert lines == [
        "Mission: maximize reward.",
        "You face north.",
        "Right in front of you: nothing.",
        "You see a goal for the ball 1 step forward and 1 step left; a green player of your team"
        " 2 steps forward.",
    ]
    other = describe_observation("MultiGrid-Empty-8x8-v0", obs, None, "blue")  # ini's too
    assert other is not None and "a green player of the other team 2 steps forward" in other[-1]
