"""Options shared by every subcommand that opens a lab."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from cqrs_lab.environment import VISITOR_ENV

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab


def add_lab_options(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """--db and --seed, accepted before or after the subcommand's name.

    Only the top-level parser sets defaults: a subparser's default would overwrite a value
    given before the subcommand (`cqrs-lab --db x.db run ...`).
    """
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--db",
        default=default,
        help="a file path, ':memory:' or a SQLAlchemy URL (default: the lab file in your user"
        " data folder; `run` and `simulate` default to ':memory:')",
    )
    parser.add_argument("--seed", type=int, default=default, help="seed of the lab's RNG")


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
        db = args.db if args.db is not None else db_default
        return Lab.open(db, seed=args.seed, clock=clock, visitor=visitor, **options)
    except StoreError as error:
        print(f"cqrs-lab: {error}", file=sys.stderr)
        return None
