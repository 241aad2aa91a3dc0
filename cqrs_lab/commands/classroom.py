"""`cqrs-lab classroom start|list|close|export|watch`: the instructor's side of a workshop.

The classroom lives in the lab database `--db` names (a SQLite file for one machine, a
PostgreSQL server for a room of machines): attendees `cqrs-lab join CODE` on the same one.
Every failure is one line on standard error and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from cqrs_lab.commands.options import add_lab_options, chosen_db
from cqrs_lab.config import load_config

if TYPE_CHECKING:
    from cqrs_lab.classroom.storage import Classroom, ClassroomStore

HELP = "run a workshop: start a classroom, list, watch, close, export its records"
PROG = "cqrs-lab classroom"


class Refused(Exception):
    """The command cannot go on: the message is the one line to print."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    start = actions.add_parser("start", help="open a classroom and print its code")
    start.add_argument("--title", default="", help="a name for the records (e.g. the date)")
    start.add_argument(
        "--shared-shop",
        action="store_true",
        help="every attendee's lab opens on this database: one shop, one bus, real races",
    )
    listing = actions.add_parser("list", help="the open classrooms: code, title, attendees")
    close = actions.add_parser("close", help="close a classroom: joins are refused from now on")
    close.add_argument("code", help="the classroom's code")
    export = actions.add_parser(
        "export", help="the classroom's records: attendees, per-step times, hints, stuck moments"
    )
    export.add_argument("code", help="the classroom's code")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--output", "-o", type=Path, help="a file to write (default: stdout)")
    watch = actions.add_parser("watch", help="the instructor's screen: the room, live")
    watch.add_argument("code", help="the classroom's code")
    for sub in (start, listing, close, export, watch):
        add_lab_options(sub)


def main(args: argparse.Namespace) -> int:
    from cqrs_lab.store.errors import StoreError

    action: Callable[[argparse.Namespace], int] = ACTIONS[args.action]
    try:
        return action(args)
    except (Refused, StoreError) as error:
        print(f"{PROG} {args.action}: {error}", file=sys.stderr)
        return 2


@contextmanager
def opened_store(args: argparse.Namespace) -> Iterator[ClassroomStore]:
    """The classroom tables on the database the options name (the config file's, else the
    lab's own file, when they name none)."""
    from cqrs_lab.classroom.storage import ClassroomStore

    store = ClassroomStore.open(chosen_db(args, load_config().db))
    try:
        yield store
    finally:
        store.close()


def find(store: ClassroomStore, code: str) -> Classroom:
    classroom = store.classroom(code.strip())
    if classroom is None:
        raise Refused(f"there is no classroom {code.strip().upper()!r} in this database")
    return classroom


def start(args: argparse.Namespace) -> int:
    from cqrs_lab.classroom.seat import prepare_shop

    with opened_store(args) as store:
        classroom = store.start(title=args.title, shared_shop=args.shared_shop)
    if classroom.shared_shop:
        prepare_shop(chosen_db(args, load_config().db))
    print(classroom.code)
    return 0


def listing(args: argparse.Namespace) -> int:
    from datetime import datetime

    with opened_store(args) as store:
        rooms = [(room, len(store.attendees(room.code))) for room in store.open_classrooms()]
    for room, seated in rooms:
        opened = datetime.fromtimestamp(room.opened_at).strftime("%Y-%m-%d %H:%M")
        shop = "  shared shop" if room.shared_shop else ""
        print(f"{room.code}  opened {opened}  {seated} attendees{shop}  {room.title}".rstrip())
    if not rooms:
        print("no classroom is open in this database")
    return 0


def close(args: argparse.Namespace) -> int:
    with opened_store(args) as store:
        classroom = find(store, args.code)
        if not store.close_classroom(classroom.code):
            raise Refused(f"classroom {classroom.code} was closed already")
    print(f"classroom {classroom.code} is closed: new joins are refused")
    return 0


def export(args: argparse.Namespace) -> int:
    from cqrs_lab.classroom.records import render, take_records

    with opened_store(args) as store:
        classroom = find(store, args.code)
        text = render(take_records(store, classroom, now=store.clock()), args.format)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, "utf-8")
    except OSError as error:
        raise Refused(f"cannot write {args.output}: {error.strerror or error}") from error
    return 0


def watch(args: argparse.Namespace) -> int:
    from cqrs_lab.classroom.instructor import Instructor
    from cqrs_lab.classroom.shop_watch import ShopWatch
    from cqrs_lab.tui.classroom.instructor_app import InstructorApp  # Textual for the screen
    from cqrs_lab.tui.classroom.instructor_screen import InstructorScreen

    db = chosen_db(args, load_config().db)
    with opened_store(args) as store:
        classroom = find(store, args.code)
        shop = (lambda: ShopWatch(db)) if classroom.shared_shop else None
        app = InstructorApp(InstructorScreen(Instructor(store, classroom), shop=shop))
        app.run()
    return app.return_code or 0


ACTIONS: dict[str, Callable[[argparse.Namespace], int]] = {
    "start": start,
    "list": listing,
    "close": close,
    "export": export,
    "watch": watch,
}
