"""`cqrs-lab`: the entry point. The screen by default; headless tools as subcommands.

Imports are lazy so `cqrs-lab run` never loads Textual and the screen starts fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab


def _common(parser: argparse.ArgumentParser, *, db_default: str | None) -> None:
    parser.add_argument(
        "--db",
        default=db_default,
        help="a file path, ':memory:' or a SQLAlchemy URL"
        + (" (default: the lab file in your user data folder)" if db_default is None else ""),
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the lab's RNG")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cqrs-lab", description="A terminal lab for learning CQRS and eventual consistency."
    )
    _common(parser, db_default=None)
    commands = parser.add_subparsers(dest="command")

    tui = commands.add_parser("tui", help="the lab screen (the default)")
    _common(tui, db_default=None)

    prompt = commands.add_parser("prompt", help="a plain line prompt instead of the screen")
    _common(prompt, db_default=None)

    run = commands.add_parser("run", help="run a lab script headless, one result per line")
    run.add_argument("file", type=Path, help="the script ('-' for standard input)")
    run.add_argument("--json", action="store_true", help="one JSON object per line")
    _common(run, db_default=":memory:")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "tui"
    if command == "run":
        return _run(args)
    lab = _open_lab(args, real_time=True)
    if lab is None:
        return 2
    if command == "prompt":
        return _prompt(lab)
    return _prompt(lab)


def _open_lab(args: argparse.Namespace, *, real_time: bool) -> Lab | None:
    from cqrs_lab.lab import Lab
    from cqrs_lab.sim.clock import ScaledClock, VirtualClock
    from cqrs_lab.store.errors import StoreError

    try:
        return Lab.open(
            args.db, seed=args.seed, clock=ScaledClock() if real_time else VirtualClock()
        )
    except StoreError as error:
        print(f"cqrs-lab: {error}", file=sys.stderr)
        return None


def _prompt(lab: Lab) -> int:
    from cqrs_lab.prompt import run_prompt

    try:
        return run_prompt(lab)
    finally:
        lab.close()


def _run(args: argparse.Namespace) -> int:
    from cqrs_lab.script import ScriptErrors, parse_script

    try:
        text = sys.stdin.read() if str(args.file) == "-" else args.file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"cqrs-lab run: cannot read {args.file}: {error}", file=sys.stderr)
        return 2
    try:
        parse_script(text)
    except ScriptErrors as errors:
        print(f"cqrs-lab run: {args.file}: nothing was run:", file=sys.stderr)
        for error in errors.errors:
            print(f"  {error}", file=sys.stderr)
            print("    " + error.caret().replace("\n", "\n    "), file=sys.stderr)
        return 2
    lab = _open_lab(args, real_time=False)
    if lab is None:
        return 2
    try:
        for number, line in enumerate(text.splitlines(), start=1):
            outcome = lab.execute(line, number)
            if not outcome.message and outcome.kind == "control" and not line.strip():
                continue
            if args.json:
                print(json.dumps({"line_no": number, **outcome.to_json()}))
            elif outcome.message:
                print(outcome.message)
        report = lab.report()
        if args.json:
            print(json.dumps({"kind": "report", **report}))
        else:
            print(_report_text(report))
    finally:
        lab.close()
    return 0


def _report_text(report: dict) -> str:
    lanes = ", ".join(
        f"{name} #{lane['checkpoint']} ({lane['lag_events']} behind)"
        for name, lane in report["lanes"].items()
    )
    return f"-- t={report['now']:.3f}s head #{report['head']}; projections: {lanes}"
