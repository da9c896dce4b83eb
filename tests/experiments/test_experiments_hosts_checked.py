"""A mistake in hosts.toml is refused when a file that needs it is read, before anything starts
(not when the first worker on that host starts, after other operators have played): `run` and
`app` exit 2 naming hosts.toml, its key, and the key of the file that named the host."""

from __future__ import annotations

from pathlib import Path

import pytest

from mosaic_tui.cli.main import main
from mosaic_tui.experiments import ExperimentError, parse
from mosaic_tui.runtime import remote

EXPERIMENT = """
[[operators]]
id = "near"
env_name = "toytext"
task = "FrozenLake-v1"
[operators.workers.agent]
type = "baseline"
behavior = "random"

[[operators]]
id = "far"
env_name = "toytext"
task = "FrozenLake-v1"
{host}
[operators.workers.agent]
type = "baseline"
behavior = "random"
{player_host}
"""
TYPO = "hosts.box: unknown key 'pyhton' (known: python, ssh)"


@pytest.fixture
def hosts_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    hosts = tmp_path / "hosts.toml"
    hosts.write_text('[hosts.box]\npyhton = "/opt/venv/bin/python"\n')
    monkeypatch.setenv(remote.HOSTS_VARIABLE, str(hosts))
    return hosts


@pytest.mark.parametrize("command", ["run", "app"])
def test_run_and_app_refuse_a_typo_in_hosts_toml_before_anything_starts(
    command: str, hosts_toml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    experiment = tmp_path / "exp.toml"
    experiment.write_text(EXPERIMENT.format(host='host = "box"', player_host=""))
    db = tmp_path / "runs.sqlite"
    assert main([command, str(experiment), "--db", str(db)]) == 2
    said = capsys.readouterr().err
    where = f"(read for operators[1].host = 'box' in {experiment})"
    assert f"error: {hosts_toml}: {TYPO} {where}" in said
    assert not db.exists()  # nothing was recorded: nothing ran, not even "near"


def test_a_players_host_is_read_too_and_a_file_needing_no_hosts_toml_is_not_refused(
    hosts_toml: Path,
) -> None:
    with pytest.raises(ExperimentError) as bad:
        parse(_data(player_host='host = "box"'))
    assert str(bad.value) == (
        f"{hosts_toml}: {TYPO} (read for operators[1].workers.agent.host = 'box')"
    )
    parse(_data())  # every worker here: hosts.toml is not read
    own = _data(host='host = "box"')  # the file's own [hosts.box] is what reaches box
    own["hosts"] = {"box": {"python": "python3"}}
    assert parse(own).hosts["box"].python == "python3"


def _data(host: str = "", player_host: str = "") -> dict:
    import tomllib

    return tomllib.loads(EXPERIMENT.format(host=host, player_host=player_host))
