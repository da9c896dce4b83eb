"""Run the benchmarks: `python -m bench [--quick] [NAME ...]`; names are listed by --help."""

from __future__ import annotations

import argparse

from bench import (
    app,
    decisions,
    headless,
    llm,
    memory,
    ray,
    reference,
    remote,
    render,
    replay,
    report,
    rl_player,
    scale,
    simultaneous,
    startup,
    turns,
    wire,
)

BENCHES = {
    "headless": headless,
    "wire": wire,
    "render": render,
    "turns": turns,
    "simultaneous": simultaneous,
    "app": app,
    "memory": memory,
    "reference": reference,
    "decisions": decisions,
    "rl": rl_player,
    "llm": llm,
    "report": report,
    "replay": replay,
    "ray": ray,
    "remote": remote,
    "startup": startup,
    "scale": scale,
}


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--quick", action="store_true", help="fewer steps (a smoke run of the benches)")
    p.add_argument("names", nargs="*", help=f"which benchmarks: {', '.join(BENCHES)} (all)")
    args = p.parse_args()
    unknown = [n for n in args.names if n not in BENCHES]
    if unknown:
        p.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    chosen = args.names or list(BENCHES)
    results = [BENCHES[name].run(quick=args.quick) for name in chosen]
    print()
    print(f"{'benchmark':<44} {'measured':>12} {'baseline':>12} {'ratio':>8}  target")
    for lines in results:
        for line in lines:
            print(line)


if __name__ == "__main__":
    main()
