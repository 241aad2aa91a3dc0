"""`cqrs-lab join CODE [--name NAME]`: an attendee's lab screen, seated in a classroom.

The classroom is on the database `--db` names (the instructor's: a PostgreSQL server, or the
SQLite file of a one-machine workshop). The attendee's own lab is a file of their own
(`--lab-db`, else one per classroom and name in the user data folder): only the classroom's
tables are shared; in a shared-shop classroom every attendee's lab opens on the classroom's
database instead (`classroom/seat.py`). A refused join is one line and exit status 2,
before any screen; without `--name` the screen asks the name (`serve --classroom` runs this
for every browser visitor) and says there why one is refused.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from cqrs_lab.commands.options import add_lab_options, chosen_db
from cqrs_lab.config import load_config
from cqrs_lab.environment import VISITOR_ENV

if TYPE_CHECKING:
    from cqrs_lab.classroom.link import AttendeeLink
    from cqrs_lab.classroom.storage import ClassroomStore
    from cqrs_lab.config import Config
    from cqrs_lab.lab import Lab
    from cqrs_lab.tui.classroom.attendee_app import AttendeeApp

HELP = "join a workshop's classroom: your lab screen, seen by the instructor"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="the classroom's code (the instructor shows it)")
    parser.add_argument(
        "--name", help="your name, as the instructor sees it (default: the screen asks it)"
    )
    parser.add_argument(
        "--lab-db",
        help="your own lab's database (default: a file for this classroom and name in your"
        " user data folder)",
    )
    add_lab_options(parser)


def main(args: argparse.Namespace) -> int:
    from cqrs_lab.classroom.storage import ClassroomStore
    from cqrs_lab.store.errors import StoreError

    config = load_config()
    classroom_db = chosen_db(args, config.db)
    try:
        store = ClassroomStore.open(classroom_db)
    except StoreError as error:
        print(f"cqrs-lab join: {error}", file=sys.stderr)
        return 2
    try:
        try:
            app = attendee_app(args, store, classroom_db, config)
        except StoreError as error:
            print(f"cqrs-lab join: {error}", file=sys.stderr)
            return 2
        app.run()
        return app.return_code or 0
    finally:
        store.close()


def attendee_app(
    args: argparse.Namespace, store: ClassroomStore, classroom_db: str | None, config: Config
) -> AttendeeApp:
    """The attendee's screen: seated as `--name`, or asking the name first (`serve
    --classroom`: each browser visitor types theirs). A join refused before any screen
    raises `StoreError` with the line to show."""
    from cqrs_lab.tui.classroom.attendee_app import AttendeeApp  # Textual for the screen

    def seat(name: str) -> tuple[AttendeeLink, Callable[[], Lab]]:
        from cqrs_lab.classroom.link import restore_progress
        from cqrs_lab.classroom.seat import take_seat
        from cqrs_lab.commands.tui import lab_opener
        from cqrs_lab.lessons import Progress

        seat = take_seat(store, classroom_db, args.code, name, lab_db=args.lab_db)
        if seat.link.restored is not None:  # back, maybe on another machine: where they were
            restore_progress(Progress.load(), seat.link.earlier)
        if seat.classroom.shared_shop:  # one shop for all: reset and rebuild are the instructor's
            os.environ[VISITOR_ENV] = "1"
        lab_args = argparse.Namespace(db=seat.lab_db, seed=getattr(args, "seed", None))
        return seat.link, lab_opener(lab_args)

    if args.name is None:
        code = store.joinable(args.code).code
        return AttendeeApp(None, seating=(code, seat), config=config)
    link, opener = seat(args.name)
    return AttendeeApp(link, opener=opener, config=config)
