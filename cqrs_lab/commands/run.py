"""`cqrs-lab run FILE`: run a lab script headless, one result a line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cqrs_lab.commands.options import add_lab_options, open_lab
from cqrs_lab.commands.output import quiet_broken_pipe
from cqrs_lab.commands.script_file import checked_script
from cqrs_lab.wording import counted

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab

HELP = "run a lab script headless, one result per line"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the script ('-' for standard input)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument(
        "--timings",
        action="store_true",
        help="add the real (CPU) time commands and queries took; they differ run to run, so"
        " without this flag a seeded run prints the same bytes every time",
    )
    add_lab_options(parser)


@quiet_broken_pipe
def main(args: argparse.Namespace) -> int:
    def read() -> str:
        return sys.stdin.read() if str(args.file) == "-" else args.file.read_text("utf-8")

    text = checked_script(read, "run", str(args.file), nothing="run", carets=True)
    if text is None:
        return 2
    lab = open_lab(args, real_time=False, db_default=":memory:")
    if lab is None:
        return 2
    try:
        return _run(lab, text, args)
    finally:
        lab.close()


def _run(lab: Lab, text: str, args: argparse.Namespace) -> int:
    """Every line's result, then the report: as text, or one JSON object a line. A damaged
    database stops the run there (exit 2): nothing more is written to it. A line the
    database could not take (locked, disk full, server gone) is refused and the run goes
    on, but it ends with exit 2 all the same: the script did not all reach the store. A
    line that failed otherwise (an `export` to a name outside the folder, say) ends it with
    exit 1; a command the shop refuses is a result like any other (exit 0)."""
    from cqrs_lab.lab.interpreter import execute
    from cqrs_lab.store.errors import CorruptDatabase

    unsaved = failed = 0
    for number, line in enumerate(text.splitlines(), start=1):
        outcome = execute(lab, line, number)
        if outcome.code == CorruptDatabase.__name__:
            print(f"cqrs-lab run: line {number}: {outcome.message}", file=sys.stderr)
            return 2
        if outcome.code in _database_failures():
            unsaved += 1
        elif outcome.kind == "error":
            failed += 1
        if args.json and (outcome.message or line.strip()):
            print(_json({"line_no": number, **outcome.to_json()}, args.timings))
        elif outcome.message:
            print(outcome.message)
    report = lab.report()
    if args.json:
        print(_json({"kind": "report", **report}, args.timings))
    else:
        print(report_text(report))
        if args.timings:
            print(timings_text(report))
    if unsaved:
        print(f"cqrs-lab run: {unsaved} line(s) not saved: the database refused them "
              "(see above)", file=sys.stderr)
        return 2
    if failed:
        print(f"cqrs-lab run: {counted(failed, 'line')} failed (see above)", file=sys.stderr)
        return 1
    return 0


def _database_failures() -> frozenset[str]:
    """The codes of the store's DatabaseError classes, PostgreSQL's included."""
    from cqrs_lab.store import pg_errors  # noqa: F401  (registers the server's classes)
    from cqrs_lab.store.errors import DatabaseError

    found: set[str] = set()
    pending = [DatabaseError]
    while pending:
        kind = pending.pop()
        found.add(kind.__name__)
        pending.extend(kind.__subclasses__())
    return frozenset(found)


def _json(data: dict[str, Any], timings: bool) -> str:
    from cqrs_lab.lab.metrics import without_timings

    return json.dumps(data if timings else without_timings(data))


def report_text(report: dict[str, Any]) -> str:
    lanes = ", ".join(
        f"{name} #{lane['checkpoint']} ({lane['lag_events']} behind)"
        for name, lane in report["lanes"].items()
    )
    return f"-- t={report['now']:.3f}s head #{report['head']}; projections: {lanes}"


def timings_text(report: dict[str, Any]) -> str:
    """The real time commands and queries took (`--timings`), in milliseconds."""
    metrics = report["metrics"]
    parts = [
        f"{what} {stat['count']} (mean {stat['mean'] * 1e3:.3f} ms, max {stat['max'] * 1e3:.3f} ms)"
        for what, stat in (
            ("commands", metrics["command_cpu_seconds"]),
            ("queries", metrics["query_cpu_seconds"]),
        )
    ]
    return "-- real time: " + "; ".join(parts)
