"""`cqrs-lab bench`: measure the lab's speed, each figure beside a baseline from the same run."""

from __future__ import annotations

import argparse
import json
import os
import sys

HELP = "measure the lab's speed: store, send, rebuild, queries, screen, memory, classroom"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--quick", action="store_true", help="smaller and fewer runs (for CI: under a minute)"
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="instead: open, catch-up, memory and send at 10k, 100k and 1M events against an"
        " empty store (the stores are built once into the cache folder and reused)",
    )
    parser.add_argument(
        "--classroom",
        action="store_true",
        help="instead: a workshop of simulated attendees (one process each, playing lessons"
        " with pauses and mistakes) on one database, with an instructor polling it: progress"
        " seen, p95 delay, instructor CPU, nothing lost; at 10 and 40 attendees (3 with"
        " --quick), on --pg-url's server if given, else a SQLite file",
    )
    parser.add_argument(
        "--attendees",
        type=int,
        nargs="+",
        metavar="N",
        help="with --classroom: the sizes to run (default 10 40)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        help="with --classroom: wall seconds each attendee plays (default 120; 4 with --quick)",
    )
    parser.add_argument(
        "--pg-url",
        metavar="URL",
        help="a PostgreSQL server: simulate there beside SQLite, in a scratch database made"
        " and dropped (default $CQRS_LAB_BENCH_DB, the place for a URL with a password: a"
        " command line is public; without one that figure is skipped)",
    )


def main(args: argparse.Namespace) -> int:
    from cqrs_lab.bench.report import render
    from cqrs_lab.bench.runner import run_bench, run_scale
    from cqrs_lab.environment import BENCH_DB_ENV

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    pg_url = args.pg_url or os.environ.get(BENCH_DB_ENV) or None
    if args.classroom:
        from cqrs_lab.bench.classroom import run_classroom

        sizes = tuple(args.attendees) if args.attendees else None
        report = run_classroom(args.quick, say, pg_url, sizes, args.seconds)
    elif args.scale:
        report = run_scale(args.quick, say)
    else:
        report = run_bench(args.quick, say, pg_url=pg_url)
    print(json.dumps(report.to_json(), indent=2) if args.json else render(report), end="")
    if args.json:
        print()
    return 1 if report.failures else 0
