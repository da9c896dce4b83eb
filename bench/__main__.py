"""Run every benchmark: `python -m bench [--quick]`."""

from __future__ import annotations

import argparse

from bench import headless, render, wire


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--quick", action="store_true", help="fewer steps (a smoke run of the benches)")
    args = p.parse_args()
    results = [headless.run(quick=args.quick), wire.run(quick=args.quick)]
    results.append(render.run(quick=args.quick))
    print()
    print(f"{'benchmark':<44} {'measured':>12} {'baseline':>12} {'ratio':>8}  target")
    for r in results:
        for line in r:
            print(line)


if __name__ == "__main__":
    main()
