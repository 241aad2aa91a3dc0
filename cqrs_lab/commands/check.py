"""`cqrs-lab check`: audit a lab database (store, every projection, the CRUD twin).

It only reads: it opens the store, never a Lab (which would catch its projections up and so
hide what was behind). Exit status 0 when everything agrees, 1 when something differs,
2 when the database cannot be opened.
"""

from __future__ import annotations

import argparse
import json
import sys

from cqrs_lab.commands.options import add_lab_options, chosen_db
from cqrs_lab.commands.output import quiet_broken_pipe

HELP = "audit a lab database: store invariants, each projection against a rebuild, the CRUD twin"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object")
    add_lab_options(parser)


@quiet_broken_pipe
def main(args: argparse.Namespace) -> int:
    from cqrs_lab.config import load_config
    from cqrs_lab.lab.audit import audit
    from cqrs_lab.store.database import open_store
    from cqrs_lab.store.errors import StoreError

    try:
        store = open_store(chosen_db(args, load_config().db))
    except StoreError as error:
        print(f"cqrs-lab check: {error}", file=sys.stderr)
        return 2
    try:
        report = audit(store)
    except StoreError as error:
        print(f"cqrs-lab check: {error}", file=sys.stderr)
        return 2
    finally:
        store.engine.dispose()
    if args.json:
        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "head": report.head,
                    "checked": list(report.checked),
                    "findings": [{"where": f.where, "problem": f.problem} for f in report.findings],
                }
            )
        )
    else:
        print(f"{store.where}: {report.head} events; checked {', '.join(report.checked)}")
        for finding in report.findings:
            print(f"✗ {finding}")
        print("✓ everything agrees" if report.ok else f"{len(report.findings)} difference(s)")
    return 0 if report.ok else 1
