"""Options shared by every subcommand that opens a lab."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from cqrs_lab.environment import DB_ENV, VISITOR_ENV

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab


def add_lab_options(
    parser: argparse.ArgumentParser, *, top_level: bool = False, screen: bool = False
) -> None:
    """--db and --seed, accepted before or after the subcommand's name; and --present for
    the screen (`screen`, and the top level, whose default is the screen).

    Only the top-level parser sets defaults: a subparser's default would overwrite a value
    given before the subcommand (`cqrs-lab --db x.db run ...`).
    """
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--db",
        default=default,
        help="a file path, ':memory:' or a SQLAlchemy URL (default: $CQRS_LAB_DB, else the"
        " config file's db, else the lab file in your user data folder; `run` and `simulate`"
        " default to ':memory:'). Put a URL with a password in $CQRS_LAB_DB, not here: the"
        " command line is visible to every user of the machine",
    )
    parser.add_argument("--seed", type=int, default=default, help="seed of the lab's RNG")
    if top_level or screen:
        parser.add_argument(
            "--present",
            action="store_true",
            default=False if top_level else argparse.SUPPRESS,
            help="presenter mode: big, high contrast, the read model beside its CRUD twin and"
            " their lane only (F10 switches)",
        )


def chosen_db(args: argparse.Namespace, default: str | None = None) -> str | None:
    """--db, else $CQRS_LAB_DB, else `default` (the config file's db, or the command's)."""
    given = getattr(args, "db", None)
    if given is not None:
        return str(given)
    return os.environ.get(DB_ENV) or default


def open_lab(
    args: argparse.Namespace, *, real_time: bool, db_default: str | None = None, **options: object
) -> Lab | None:
    """Open the lab the options name; print one clear message and return None if we cannot."""
    from cqrs_lab.lab import Lab
    from cqrs_lab.sim.clock import ScaledClock, VirtualClock
    from cqrs_lab.store.errors import StoreError

    clock = ScaledClock() if real_time else VirtualClock()
    visitor = os.environ.get(VISITOR_ENV) == "1"
    try:
        db = chosen_db(args, db_default)
        return Lab.open(db, seed=args.seed, clock=clock, visitor=visitor, **options)
    except StoreError as error:
        print(f"cqrs-lab: {error}", file=sys.stderr)
        return None
