"""Taking a seat in a classroom: the join, the link, and which lab database the attendee's
lab opens on. `cqrs-lab join`, `serve --classroom` and the classroom bench all seat their
attendees here.

- In a classroom of one's own labs, each attendee's lab is a file of their own in their user
  data folder (`classroom/CODE-NAME.db`): only the classroom's tables are shared.
- In a shared-shop classroom every attendee's lab opens on the classroom's own database: one
  store, one set of read tables, so two people buying the last mug is a real race between two
  processes (the store serialises writers and decides a version conflict again on the new
  state, the read tables are written under its lock).
"""

from __future__ import annotations

from dataclasses import dataclass

from cqrs_lab.classroom.link import AttendeeLink
from cqrs_lab.classroom.storage import Classroom, ClassroomStore


@dataclass(frozen=True, slots=True)
class Seat:
    """An attendee seated in a classroom: its link, and the database their lab opens."""

    store: ClassroomStore
    classroom: Classroom
    link: AttendeeLink
    lab_db: str | None
    """The database the attendee's lab opens on (None: the default lab file, the classroom's
    own when no database was named)."""


def own_lab_file(code: str, name: str) -> str:
    """The attendee's own lab in this classroom: a file in the user data folder."""
    from cqrs_lab.store.database import data_dir

    folder = data_dir() / "classroom"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"{code}-{name}.db")


def lab_database(classroom: Classroom, classroom_db: str | None, name: str) -> str | None:
    """Where `name`'s lab lives: the classroom's database in a shared shop, else a file of
    their own."""
    return classroom_db if classroom.shared_shop else own_lab_file(classroom.code, name)


def prepare_shop(db: str | None) -> None:
    """Make a shared shop's tables (its read models', its count of orders) as the classroom
    opens: a room joining at once then opens its labs without one writers' lock taken."""
    from cqrs_lab.lab import Lab

    Lab.open(db).close()


def take_seat(
    store: ClassroomStore,
    classroom_db: str | None,
    code: str,
    name: str,
    *,
    lab_db: str | None = None,
) -> Seat:
    """Seat `name` in classroom `code` (raises `JoinRefused` with the one line to show). A
    shared shop ignores `lab_db`: its shop is the classroom's."""
    classroom = store.join(code, name)
    link = AttendeeLink(store, classroom, name)
    chosen = lab_database(classroom, classroom_db, name)
    if lab_db is not None and not classroom.shared_shop:
        chosen = lab_db
    return Seat(store, classroom, link, chosen)
