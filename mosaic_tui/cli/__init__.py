"""The `mosaic-tui` command."""


def main(argv: list[str] | None = None) -> int:
    from mosaic_tui.cli.main import main as _main

    return _main(argv)
