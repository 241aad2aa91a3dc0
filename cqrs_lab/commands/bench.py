"""`cqrs-lab bench`: measure the lab's speed, each figure beside a baseline from the same run."""

from __future__ import annotations

import argparse
import json
import sys

HELP = "measure the lab's speed: store, send, rebuild, queries, screen, memory"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--quick", action="store_true", help="smaller and fewer runs (for CI: under a minute)"
    )


def main(args: argparse.Namespace) -> int:
    from cqrs_lab.bench.report import render
    from cqrs_lab.bench.runner import run_bench

    report = run_bench(args.quick, say=lambda text: print(text, file=sys.stderr, flush=True))
    print(json.dumps(report.to_json(), indent=2) if args.json else render(report), end="")
    if args.json:
        print()
    return 1 if report.failures else 0
