"""rl_worker: trained policies (.npz Q-tables and MLPs) checked on load and played, in process
and through real subprocesses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from worker_common.trained import PolicyError, load, save_mlp, save_qtable

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "examples" / "policies"


def qtable(tmp_path: Path) -> Path:
    q = np.zeros((4, 3))
    q[0, 2] = q[1, 0] = q[2, 1] = 1.0  # state 3: a tie, the lowest action wins
    path = tmp_path / "q.npz"
    save_qtable(path, q, "Toy-v0", "made by a test")
    return path


def test_a_qtable_plays_the_best_legal_action(tmp_path: Path) -> None:
    policy = load(qtable(tmp_path))
    rng = np.random.default_rng(0)
    assert (policy.kind, policy.n_inputs, policy.n_actions) == ("qtable", 4, 3)
    assert policy.task == "Toy-v0"
    assert [policy.act(s, None, rng)[0] for s in range(4)] == [2, 0, 1, 0]
    assert policy.act(0, [1, 1, 0], rng)[0] == 0  # its best is masked out: the best legal one
    assert policy.act(np.int64(2), None, rng)[0] == 1


def test_an_mlp_plays_its_argmax_and_samples_reproducibly(tmp_path: Path) -> None:
    w0, b0 = np.eye(2), np.zeros(2)
    w1, b1 = np.array([[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]]), np.zeros(3)
    path = tmp_path / "mlp.npz"
    save_mlp(path, [(w0, b0), (w1, b1)], "Toy-v0", activation="relu")
    policy = load(path)
    rng = np.random.default_rng(0)
    assert policy.act([2.0, 0.5], None, rng)[0] == 0
    assert policy.act([0.0, 3.0], None, rng)[0] == 2
    draws = [
        policy.act([0.1, 0.1], None, np.random.default_rng(7), sample=True)[0] for _ in range(3)
    ]
    assert len(set(draws)) == 1  # the same seed, the same draw
    many = {policy.act([0.0, 0.0], None, rng, sample=True)[0] for _ in range(60)}
    assert many == {0, 1, 2}  # equal scores: every action gets drawn


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"not a zip"), "is not a policy this worker reads"),
        (lambda p: np.savez(p, kind="tree", q=np.zeros((2, 2))), "kind 'tree'"),
        (lambda p: np.savez(p, q=np.zeros((2, 2))), "no `kind`"),
        (lambda p: np.savez(p, kind="qtable", q=np.zeros(3)), "(states, actions)"),
        (lambda p: np.savez(p, kind="mlp"), "at least w0 and b0"),
        (
            lambda p: np.savez(
                p,
                kind="mlp",
                w0=np.zeros((2, 3)),
                b0=np.zeros(3),
                w1=np.zeros((4, 2)),
                b1=np.zeros(2),
            ),
            "layer 1 takes 4 inputs but layer 0 gives 3",
        ),  # fmt: skip
        (
            lambda p: np.savez(p, kind="qtable", q=np.array([object()], dtype=object)),
            "is not a policy this worker reads",  # pickled objects are never loaded
        ),
    ],
)
def test_a_bad_file_is_refused_naming_it_and_the_cause(tmp_path: Path, make, message: str) -> None:
    path = tmp_path / "bad.npz"
    make(path)
    with pytest.raises(PolicyError) as info:
        load(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_an_observation_that_does_not_fit_names_both_sides(tmp_path: Path) -> None:
    policy = load(qtable(tmp_path))
    rng = np.random.default_rng(0)
    with pytest.raises(PolicyError, match="over 4 states, but the observation is a float64 array"):
        policy.act(np.zeros(3), None, rng)
    with pytest.raises(PolicyError, match="has 4 states; the env gave state 9"):
        policy.act(9, None, rng)
    mlp = load(SHIPPED / "cartpole_mlp.npz")
    with pytest.raises(PolicyError, match="takes 4 observation numbers; the env gives 7"):
        mlp.act(np.zeros(7), None, rng)
    with pytest.raises(PolicyError, match="the env gives a dict"):
        mlp.act({"image": np.zeros(4)}, None, rng)


def test_the_shipped_policies_say_how_they_were_made(tmp_path: Path) -> None:
    for name, task in [
        ("frozenlake_qtable", "FrozenLake-v1"),
        ("cliffwalking_qtable", "CliffWalking-v1"),
        ("cartpole_mlp", "CartPole-v1"),
    ]:
        policy = load(SHIPPED / f"{name}.npz")
        assert policy.task == task
        assert policy.note and policy.note.startswith("python -m rl_worker.train ")


def test_the_worker_plays_and_refuses_a_policy_that_does_not_fit(spawn, tmp_path: Path) -> None:
    client = spawn("rl_worker", "--policy-path", str(qtable(tmp_path)))
    client.read_type("init")
    refused = client.request(
        {"cmd": "init_agent", "player_id": "agent", "game": "Other-v0",
         "action_space": {"type": "discrete", "n": 5}, "req": 1},
    )  # fmt: skip
    assert refused["type"] == "error" and refused["code"] == "policy_mismatch"
    assert "has 3 actions; agent of Other-v0 has 5" in refused["message"]
    client.request(
        {"cmd": "init_agent", "player_id": "agent", "game": "Toy-v0",
         "action_space": {"type": "discrete", "n": 3}, "labels": ["a", "b", "c"], "req": 2},
        "agent_ready",
    )  # fmt: skip
    chosen = client.request({"cmd": "select_action", "observation": 0, "req": 3}, "action_selected")
    assert (chosen["action"], chosen["action_str"]) == (2, "c")
    wrong = client.request({"cmd": "select_action", "observation": [1.5, 2.0], "req": 4})
    assert wrong["code"] == "policy_mismatch" and "not a state number" in wrong["message"]
    client.request({"cmd": "ping", "req": 5}, "pong")  # still serving


def test_a_missing_policy_file_stops_the_worker_at_start_naming_it(spawn, tmp_path: Path) -> None:
    client = spawn("rl_worker", "--policy-path", str(tmp_path / "nope.npz"))
    event = client.read()
    assert event["type"] == "error" and event["fatal"] and "no policy file" in event["message"]
    assert client.wait() == 2


def test_probabilities_are_recorded_when_asked(spawn, tmp_path: Path) -> None:
    client = spawn("rl_worker", "--policy-path", str(qtable(tmp_path)), "--record", "probabilities")
    client.read_type("init")
    client.request(
        {"cmd": "init_agent", "player_id": "agent", "action_space": {"n": 3}, "req": 1},
        "agent_ready",
    )
    event = client.request(
        {"cmd": "select_action", "observation": 0, "action_mask": [1, 0, 1], "req": 2},
        "action_selected",
    )
    probabilities = event["record"]["probabilities"]
    assert probabilities[1] == 0 and abs(sum(probabilities) - 1) < 1e-4
    assert probabilities[2] > probabilities[0]  # state 0 values action 2 most
    plain = spawn("rl_worker", "--policy-path", str(qtable(tmp_path)))
    plain.read_type("init")
    plain.request({"cmd": "init_agent", "action_space": {"n": 3}, "req": 1}, "agent_ready")
    assert "record" not in plain.request({"cmd": "select_action", "observation": 0, "req": 2})


def test_a_pytorch_file_without_pytorch_names_the_extra(tmp_path: Path, monkeypatch) -> None:
    import zipfile

    from rl_worker.checkpoints import is_torch_file, load_policy

    path = tmp_path / "model.zip"  # what torch.save writes: a zip with a pickle inside
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model/data.pkl", b"\x80\x02}q\x00.")
        archive.writestr("model/version", b"3\n")
    assert is_torch_file(path) and not is_torch_file(SHIPPED / "cartpole_mlp.npz")
    monkeypatch.setitem(__import__("sys").modules, "torch", None)  # as if not installed
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert str(path) in str(info.value) and "mosaic-tui[rl]" in str(info.value)
    assert load_policy(SHIPPED / "cartpole_mlp.npz").kind == "mlp"  # .npz needs no torch


def test_a_minigrid_image_mlp_moves_channels_first_and_scales(tmp_path: Path) -> None:
    image = np.arange(2 * 2 * 3, dtype=np.uint8).reshape(2, 2, 3) * 20
    w = np.zeros((12, 1))
    w[5, 0] = 1.0  # input 5 in (C, H, W) order: channel 1, row 0, column 1
    save_mlp(tmp_path / "m.npz", [(w, np.zeros(1))], "Toy-v0", preprocess="minigrid_image")
    policy = load(tmp_path / "m.npz")
    got = policy.scores({"image": image, "direction": 0, "mission": "go"})
    assert got[0] == pytest.approx(image[0, 1, 1] / 255.0)
    with pytest.raises(PolicyError, match="takes a MiniGrid image"):
        policy.scores(np.zeros(12))
    with pytest.raises(PolicyError, match=r"takes 12 observation numbers; the env gives"):
        policy.scores({"image": np.zeros((3, 3, 3), np.uint8)})


def test_an_onnx_file_without_onnxruntime_names_the_extra(tmp_path: Path, monkeypatch) -> None:
    from rl_worker.checkpoints import load_policy

    path = tmp_path / "policy.onnx"
    path.write_bytes(b"\x08\x08")
    monkeypatch.setitem(__import__("sys").modules, "onnxruntime", None)
    with pytest.raises(PolicyError, match=r"needs onnxruntime: pip install 'mosaic-tui\[onnx\]'"):
        load_policy(path)


def test_a_game_id_is_told_from_a_game_that_cannot_be_trained_here() -> None:
    import importlib.util

    from rl_worker.games import AgainstRandom, GameError, is_game

    assert is_game("tictactoe_v3") and not is_game("CartPole-v1") and not is_game("nope_v1")
    if importlib.util.find_spec("rlcard") is None:
        with pytest.raises(GameError, match="leduc_holdem_v4 needs rlcard"):
            is_game("leduc_holdem_v4")
    with pytest.raises(GameError, match="rps_v2 gives no action mask"):
        AgainstRandom("rps_v2")


def test_a_game_against_random_pays_the_learner_its_own_result() -> None:
    from rl_worker.games import AgainstRandom

    lines = [[(r, c) for c in range(3)] for r in range(3)]
    lines += [[(r, c) for r in range(3)] for c in range(3)]
    lines += [[(i, i) for i in range(3)], [(i, 2 - i) for i in range(3)]]

    def judged(board: np.ndarray) -> float:  # from the learner's side: plane 0 is its marks
        mine = any(all(board[r, c, 0] for r, c in line) for line in lines)
        theirs = any(all(board[r, c, 1] for r, c in line) for line in lines)
        return 1.0 if mine else -1.0 if theirs else 0.0

    env = AgainstRandom("tictactoe_v3")
    seats, totals = set(), set()
    for seed in range(40):
        obs, info = env.reset(seed=seed)
        done, total = False, 0.0
        while not done:
            obs, reward, done, _, info = env.step(int(np.flatnonzero(info["action_mask"])[0]))
            total += reward
        assert total == judged(obs)  # the board's verdict for the learner's seat
        seats.add(env.seat)
        totals.add(total)
    assert seats == {"player_1", "player_2"} and totals >= {1.0, -1.0}
    while env.seat != "player_2":  # the opponent moves first: its cell is taken
        obs, info = env.reset(seed=5)
    taken = int(np.flatnonzero(np.asarray(info["action_mask"]) == 0)[0])
    _, reward, done, _, _ = env.step(taken)
    assert (reward, done) == (-1.0, True)  # an illegal move loses at once


@pytest.mark.parametrize("name", ["garbage.zip", "garbage.pt", "garbage.npz", "cut.npz", "a.npy"])
def test_a_file_that_is_no_policy_says_so_plainly_and_never_suggests_unpickling(
    tmp_path: Path, name: str
) -> None:
    from rl_worker.checkpoints import load_policy

    path = tmp_path / name
    if name == "a.npy":
        np.save(path, np.zeros(3))
        said = "a single NumPy array (.npy), not a policy file"
    elif name == "cut.npz":
        save_qtable(path, np.zeros((4, 3)), "Toy-v0")
        path.write_bytes(path.read_bytes()[:40])  # a download cut short
        said = "a damaged zip archive, not a valid .npz"
    else:
        path.write_bytes(np.random.default_rng(4).bytes(3000))
        said = "not a valid .npz or zip archive (corrupt, or another format)"
    for loader, formats in ((load_policy, "stable-baselines3 .zip"), (load, "a NumPy .npz")):
        with pytest.raises(PolicyError) as info:
            loader(path)
        message = str(info.value)
        assert str(path) in message and said in message, message
        assert formats in message  # what it reads instead
        assert "pickle" not in message.lower(), message


def test_a_policy_holding_objects_is_refused_without_suggesting_to_unpickle(
    tmp_path: Path,
) -> None:
    path = tmp_path / "objects.npz"
    np.savez(path, kind="qtable", q=np.array([object()], dtype=object))
    with pytest.raises(PolicyError) as info:
        load(path)
    assert "holds Python objects" in str(info.value)
    assert "pickle" not in str(info.value).lower()
