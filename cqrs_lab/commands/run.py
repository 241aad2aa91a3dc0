"""`cqrs-lab run FILE`: run a lab script headless, one result a line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cqrs_lab.commands.options import add_lab_options, open_lab
from cqrs_lab.commands.output import quiet_broken_pipe

HELP = "run a lab script headless, one result per line"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the script ('-' for standard input)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    add_lab_options(parser)


@quiet_broken_pipe
def main(args: argparse.Namespace) -> int:
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
    lab = open_lab(args, real_time=False, db_default=":memory:")
    if lab is None:
        return 2
    try:
        for number, line in enumerate(text.splitlines(), start=1):
            outcome = lab.execute(line, number)
            if args.json and (outcome.message or line.strip()):
                print(json.dumps({"line_no": number, **outcome.to_json()}))
            elif outcome.message:
                print(outcome.message)
        report = lab.report()
        print(json.dumps({"kind": "report", **report}) if args.json else report_text(report))
    finally:
        lab.close()
    return 0


def report_text(report: dict[str, Any]) -> str:
    lanes = ", ".join(
        f"{name} #{lane['checkpoint']} ({lane['lag_events']} behind)"
        for name, lane in report["lanes"].items()
    )
    return f"-- t={report['now']:.3f}s head #{report['head']}; projections: {lanes}"
