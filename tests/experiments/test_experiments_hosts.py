"""`host = ...` on operators and players, `[hosts.NAME]` tables: checked at load time at their
key, inherited as the file says, kept through a config's plain-data round trip, and turned
into an ssh command line that carries no setting's secret."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from mosaic_tui.core import OperatorConfig
from mosaic_tui.experiments import ExperimentError, parse
from mosaic_tui.runtime import remote
from mosaic_tui.runtime.launcher import worker


def spec(operator: dict, hosts: dict | None = None):  # type: ignore[no-untyped-def]
    player = {"type": "baseline", "behavior": "random", "seed": 1}
    base = {"id": "op", "env_name": "toytext", "task": "FrozenLake-v1",
            "workers": {"agent": player}}  # fmt: skip
    data = {"operators": [{**base, **operator}]}
    if hosts is not None:
        data["hosts"] = hosts
    return parse(data)


def test_players_run_where_their_operator_does_unless_they_say_otherwise() -> None:
    config = spec({"host": "me@box"}).operators[0]
    assert config.host == "me@box" and config.host_of("agent") == "me@box"
    mixed = spec({"host": "me@box", "task": "tictactoe_v3", "env_name": "pettingzoo_classic",
                  "workers": {"player_1": {"type": "baseline", "host": "local"},
                              "player_2": {"type": "baseline", "host": "gpu-box"}}})  # fmt: skip
    config = mixed.operators[0]
    assert config.host_of("player_1") is None and config.host_of("player_2") == "gpu-box"
    assert spec({}).operators[0].host_of("agent") is None


def test_a_config_keeps_its_hosts_through_plain_data() -> None:
    config = spec({"host": "me@box", "workers": {"agent": {"type": "baseline", "host": "b2"}}})
    data = config.operators[0].to_dict()
    assert data["host"] == "me@box" and data["workers"]["agent"]["host"] == "b2"
    again = OperatorConfig.from_dict(data)
    assert again.host_of("agent") == "b2" and again.host == "me@box"
    plain = spec({}).operators[0].to_dict()
    assert "host" not in plain["workers"]["agent"]  # stored configs of before read the same


@pytest.mark.parametrize(
    ("operator", "where", "says"),
    [
        ({"host": "-oProxyCommand=evil"}, "operators[0].host", "not an ssh destination"),
        ({"host": "box; rm -rf ~"}, "operators[0].host", "not an ssh destination"),
        ({"workers": {"agent": {"type": "human", "host": "box"}}},
         "operators[0].workers.agent.host", "keyboard"),
        ({"workers": {"agent": {"type": "baseline", "host": 3}}},
         "operators[0].workers.agent.host", "not an ssh destination"),
    ],
)  # fmt: skip
def test_a_bad_host_is_refused_at_its_key(operator: dict, where: str, says: str) -> None:
    with pytest.raises(ExperimentError) as bad:
        spec(operator)
    assert bad.value.where == where and says in bad.value.message


def test_host_tables_are_checked_and_kept() -> None:
    ok = spec({"host": "box"}, {"box": {"python": "~/venv/bin/python", "ssh": "ssh -p 2222"}})
    assert ok.hosts["box"] == remote.Host("box", "~/venv/bin/python", "ssh -p 2222")
    for hosts, says in [({"box": {"pyton": "x"}}, "unknown key 'pyton'"),
                        ({"box": {"python": ""}}, "one-line command"),
                        ({"box": "python3"}, "must be a table"),
                        ({"box": {"ssh": "ssh 'unclosed"}}, "cannot be split")]:  # fmt: skip
        with pytest.raises(ExperimentError) as bad:
            spec({}, hosts)
        assert bad.value.where == "hosts" and says in bad.value.message


def test_remote_paths_and_programs_are_not_looked_for_here(tmp_path: Path) -> None:
    far = spec({"host": "box", "workers": {"agent": {
        "type": "rl", "policy_path": "/on/the/box/policy.npz"}}})  # fmt: skip
    assert far.operators[0].workers["agent"].settings["policy_path"] == "/on/the/box/policy.npz"
    with pytest.raises(ExperimentError, match="no policy file"):
        spec({"workers": {"agent": {"type": "rl", "policy_path": "/on/the/box/policy.npz"}}})
    command = spec({"workers": {"agent": {"type": "baseline", "host": "box",
                                           "command": "/opt/only-there/worker --go"}}})  # fmt: skip
    assert command.operators[0].host_of("agent") == "box"
    with pytest.raises(ExperimentError, match="does not exist"):
        spec({"workers": {"agent": {"type": "baseline", "command": "/opt/only-there/worker"}}})


def test_the_ssh_command_line_runs_the_same_worker_with_the_hosts_python() -> None:
    argv, env = worker("llm_worker").command(
        "run-1", {"model": "m", "api_key": "sk-not-on-argv"}, player_id="agent"
    )
    assert env  # the key travels in the environment ...
    host = remote.Host("me@box", python="~/venv/bin/python", ssh="ssh -F /tmp/cfg")
    line = host.argv(argv)
    assert line[:3] == ["ssh", "-F", "/tmp/cfg"] and line[-2:-1] == ["me@box"]
    assert "BatchMode=yes" in line and line[line.index("me@box") - 1] == "--"
    assert "sk-not-on-argv" not in " ".join(line)  # ... never on a command line
    words = shlex.split(line[-1])
    assert words[:2] == ["exec", "~/venv/bin/python"] and words[2] == "-c"
    assert words[4:7] == [remote.HOST_PYTHON, "-m", "llm_worker"]
    assert words[7:] == argv[3:]
    command = host.argv([sys.executable, "-m", "random_worker", "--task", "x y"])
    assert shlex.split(command[-1])[4:] == [remote.HOST_PYTHON, "-m", "random_worker", "--task",
                                            "x y"]  # fmt: skip


def test_host_settings_come_from_the_file_then_hosts_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = tmp_path / "hosts.toml"
    toml.write_text('[hosts.box]\npython = "/srv/py"\n[hosts.other]\nssh = "ssh -p 2"\n')
    monkeypatch.setenv(remote.HOSTS_VARIABLE, str(toml))
    remote.use_hosts({"box": remote.Host("box", python="/file/py")})
    try:
        assert remote.host("box").python == "/file/py"
        assert remote.host("other").ssh == "ssh -p 2"
        assert remote.host("new") == remote.Host("new")
    finally:
        remote.use_hosts({})
    assert remote.host("box").python == "/srv/py"
    toml.write_text("[hosts.box\n")
    with pytest.raises(remote.HostError, match="hosts.toml"):
        remote.host("box")
