"""`mosaic-tui train`: the trainer runs as a subprocess (mosaic_tui never imports a worker), its
events become a progress bar and a learning curve in the store. Training itself needs the `rl`
extra; what happens without it is checked here with stand-in packages that fail to import."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import cli


def without(tmp_path: Path, *packages: str) -> dict[str, str]:
    """An environment in which importing each package fails, as if it were not installed."""
    fake = tmp_path / "missing"
    for name in packages:
        (fake / name).mkdir(parents=True)
        (fake / name / "__init__.py").write_text(f'raise ImportError("No module named {name}")\n')
    return {"PYTHONPATH": str(fake)}


def test_train_without_the_rl_extra_names_the_install(tmp_path: Path) -> None:
    result = cli(
        "train", "CartPole-v1", "-o", str(tmp_path / "p.zip"), "--db", str(tmp_path / "t.db"),
        tmp_path=tmp_path, env=without(tmp_path, "stable_baselines3"),
    )  # fmt: skip
    assert result.returncode == 2
    assert "needs stable-baselines3" in result.stderr and "mosaic-tui[rl]" in result.stderr
    assert not (tmp_path / "p.zip").exists()
    listing = cli("sessions", "--db", str(tmp_path / "t.db"), tmp_path=tmp_path)
    assert "(train)" not in listing.stdout  # nothing began, nothing is recorded


def test_train_refuses_a_bad_output_and_bad_steps_before_starting(tmp_path: Path) -> None:
    result = cli("train", "CartPole-v1", "-o", str(tmp_path / "p.pkl"), tmp_path=tmp_path)
    assert result.returncode == 2 and "write a .zip (SB3), a .npz or an" in result.stderr
    result = cli("train", "CartPole-v1", "--steps", "0", "-o", "p.zip", tmp_path=tmp_path)
    assert result.returncode == 2 and "--steps must be at least 1" in result.stderr
