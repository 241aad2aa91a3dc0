"""The classroom's store: its tables (`classroom/tables.py`) on one engine, a short
transaction a method.

Writers are serialised, as the event store's are (`BEGIN IMMEDIATE` on SQLite, an advisory
lock of the classroom's own on PostgreSQL), and number their rows inside the lock: a row that
commits later always has the higher number, so a poll never skips one that commits late.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, select, text, update
from sqlalchemy import exc as sa_exc

from cqrs_lab.classroom.model import Activity, AttendeeState, Kind
from cqrs_lab.classroom.tables import (
    activity,
    attendees,
    broadcasts,
    classrooms,
    last_seq,
    metadata,
    pictures,
)
from cqrs_lab.store.errors import DatabaseError, StoreError, translate
from cqrs_lab.store.event_store import BEGIN_MODE_OPTION, BUSY_TIMEOUT_OPTION
from cqrs_lab.store.schema import missing_tables, prepare

CLASSROOM_LOCK_KEY = 0x434C5353  # "CLSS": serialises classroom writers on PostgreSQL
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: read aloud and typed without doubt
CODE_LENGTH = 5
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
"""An attendee's name: it names their lab's file too."""
HEARTBEAT_FRESH = 15.0
"""A name whose lab beat within this many seconds is taken; an older one may be rejoined."""


class JoinRefused(StoreError):
    """A join the classroom refuses: the message is the one line to show."""


@dataclass(frozen=True, slots=True)
class Classroom:
    """One row of `classrooms`."""

    code: str
    title: str
    opened_at: float
    closed_at: float | None
    shared_shop: bool

    @property
    def open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True, slots=True)
class Broadcast:
    """One row of `classroom_broadcasts`: to everyone, or to `target` only."""

    seq: int
    at: float
    kind: str
    data: Mapping[str, Any]
    target: str | None = None


@dataclass(frozen=True, slots=True)
class AttendeeRow:
    """One row of `classroom_attendees`."""

    name: str
    joined_at: float
    last_seen: float
    left_at: float | None


class ClassroomStore:
    """The classroom tables on one engine. Every method is one short transaction."""

    def __init__(self, engine: Engine, *, clock: Any = time.time) -> None:
        self.engine = engine
        self.clock = clock
        self.serialised = engine.dialect.name == "postgresql"
        if engine.dialect.name == "sqlite":
            self._writer = engine.execution_options(**{BEGIN_MODE_OPTION: "IMMEDIATE"})
        else:
            self._writer = engine
        prepare(self._tables_ready, self._create_tables)

    @classmethod
    def open(cls, db: str, **options: Any) -> ClassroomStore:
        """The classroom tables on the lab database `db` (a path or a SQLAlchemy URL). The
        database is opened as a lab's is first, so another program's is refused the same way
        and a new one gets the lab's schema (a shared shop runs on it)."""
        from cqrs_lab.store.database import open_store

        engine = open_store(db).engine
        try:
            return cls(engine, **options)
        except BaseException:
            engine.dispose()
            raise

    def close(self) -> None:
        self.engine.dispose()

    def _tables_ready(self) -> bool:
        """Every classroom table exists (looked at without a lock: `store/schema.py`)."""
        with self._reading("look for the classroom tables") as conn:
            return not missing_tables(conn, metadata.sorted_tables)

    def _create_tables(self) -> None:
        with self._writing("prepare the classroom tables") as conn:
            metadata.create_all(conn)

    @contextmanager
    def _failures(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sa_exc.DBAPIError as error:
            where = str(self.engine.url)
            busy_ms = self.engine.get_execution_options().get(BUSY_TIMEOUT_OPTION, 5000)
            if (translated := translate(error, where, busy_ms)) is not None:
                raise translated from error  # locked (retried when preparing), full, ...
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise DatabaseError(where, f"could not {doing}: {reason}") from error

    @contextmanager
    def _writing(self, doing: str) -> Iterator[Connection]:
        with self._failures(doing), self._writer.begin() as conn:
            if self.serialised:
                conn.execute(text(f"SELECT pg_advisory_xact_lock({CLASSROOM_LOCK_KEY})"))
            yield conn

    @contextmanager
    def _reading(self, doing: str) -> Iterator[Connection]:
        with self._failures(doing), self.engine.connect() as conn:
            yield conn

    # -- classrooms -------------------------------------------------------------------

    def start(self, *, title: str = "", shared_shop: bool = False) -> Classroom:
        """Open a new classroom under a fresh code."""
        now = self.clock()
        with self._writing("open a classroom") as conn:
            taken = set(conn.scalars(select(classrooms.c.code)))
            code = new_code(taken)
            conn.execute(
                insert(classrooms).values(
                    code=code, title=title, opened_at=now, closed_at=None, shared_shop=shared_shop
                )
            )
        return Classroom(code, title, now, None, shared_shop)

    def classroom(self, code: str) -> Classroom | None:
        with self._reading("read the classroom") as conn:
            row = conn.execute(select(classrooms).where(classrooms.c.code == code.upper())).first()
        if row is None:
            return None
        return Classroom(row.code, row.title, row.opened_at, row.closed_at, bool(row.shared_shop))

    def open_classrooms(self) -> list[Classroom]:
        with self._reading("list the classrooms") as conn:
            rows = conn.execute(
                select(classrooms)
                .where(classrooms.c.closed_at.is_(None))
                .order_by(classrooms.c.opened_at)
            ).all()
        return [Classroom(r.code, r.title, r.opened_at, None, bool(r.shared_shop)) for r in rows]

    def close_classroom(self, code: str) -> bool:
        """Close the classroom (joins are refused from now on); False if it was not open."""
        with self._writing("close the classroom") as conn:
            done = conn.execute(
                update(classrooms)
                .where(and_(classrooms.c.code == code, classrooms.c.closed_at.is_(None)))
                .values(closed_at=self.clock())
            )
        return bool(done.rowcount)

    # -- attendees --------------------------------------------------------------------

    def join(self, code: str, name: str) -> Classroom:
        """Seat `name` in classroom `code`, or raise `JoinRefused` with the one line to show.
        A name whose lab is still beating is taken; a name whose lab left (or went quiet
        for `HEARTBEAT_FRESH` seconds) is the same attendee coming back."""
        code = code.strip().upper()
        if not NAME_PATTERN.fullmatch(name):
            raise JoinRefused(
                f"{name!r} cannot be a name here: up to 32 letters, digits, '.', '-' or '_'"
            )
        now = self.clock()
        with self._writing("join the classroom") as conn:
            room = conn.execute(select(classrooms).where(classrooms.c.code == code)).first()
            if room is None or room.closed_at is not None:
                raise JoinRefused(closed_refusal(code, room is not None))
            seat = conn.execute(
                select(attendees).where(and_(attendees.c.code == code, attendees.c.name == name))
            ).first()
            if seat is None:
                conn.execute(
                    insert(attendees).values(
                        code=code, name=name, joined_at=now, last_seen=now, left_at=None
                    )
                )
            elif seat.left_at is None and now - seat.last_seen < HEARTBEAT_FRESH:
                free_in = math.ceil(HEARTBEAT_FRESH - (now - seat.last_seen))
                raise JoinRefused(
                    f"the name {name!r} is taken in classroom {code}: pick another one (if it"
                    f" was yours, in a lab or a page you closed, it is free in {free_in} s)"
                )
            else:
                conn.execute(
                    update(attendees)
                    .where(and_(attendees.c.code == code, attendees.c.name == name))
                    .values(last_seen=now, left_at=None)
                )
            self._append(conn, code, [(name, now, Kind.JOINED, {})])
        return Classroom(room.code, room.title, room.opened_at, None, bool(room.shared_shop))

    def joinable(self, code: str) -> Classroom:
        """Classroom `code` if it takes joins now, else `JoinRefused` (before a name is asked)."""
        room = self.classroom(code.strip())
        if room is None or not room.open:
            raise JoinRefused(closed_refusal(code.strip().upper(), room is not None))
        return room

    def heartbeat(self, code: str, name: str) -> None:
        with self._failures("beat"), self.engine.begin() as conn:
            conn.execute(
                update(attendees)
                .where(and_(attendees.c.code == code, attendees.c.name == name))
                .values(last_seen=self.clock())
            )

    def leave(self, code: str, name: str) -> None:
        now = self.clock()
        with self._writing("leave the classroom") as conn:
            conn.execute(
                update(attendees)
                .where(and_(attendees.c.code == code, attendees.c.name == name))
                .values(left_at=now, last_seen=now)
            )
            self._append(conn, code, [(name, now, Kind.LEFT, {})])

    def attendees(self, code: str) -> list[AttendeeRow]:
        with self._reading("list the attendees") as conn:
            rows = conn.execute(
                select(attendees).where(attendees.c.code == code).order_by(attendees.c.name)
            ).all()
        return [AttendeeRow(r.name, r.joined_at, r.last_seen, r.left_at) for r in rows]

    # -- activity ---------------------------------------------------------------------

    def publish(
        self, code: str, rows: Sequence[tuple[str, float, Kind, Mapping[str, Any]]]
    ) -> list[int]:
        """Append activity rows (attendee, at, kind, data); their numbers, in order."""
        if not rows:
            return []
        with self._writing("publish to the classroom") as conn:
            return self._append(conn, code, rows)

    def _append(
        self,
        conn: Connection,
        code: str,
        rows: Sequence[tuple[str, float, Kind, Mapping[str, Any]]],
    ) -> list[int]:
        last = last_seq(conn, activity, code)
        numbers = list(range(last + 1, last + 1 + len(rows)))
        conn.execute(
            insert(activity),
            [
                {
                    "code": code,
                    "seq": seq,
                    "attendee": name,
                    "at": at,
                    "kind": str(kind),
                    "data": _json(data),
                }
                for seq, (name, at, kind, data) in zip(numbers, rows, strict=True)
            ],
        )
        return numbers

    def activity_after(self, code: str, after: int = 0, limit: int = 5_000) -> list[Activity]:
        with self._reading("read the classroom's activity") as conn:
            rows = conn.execute(
                select(
                    activity.c.seq,
                    activity.c.attendee,
                    activity.c.at,
                    activity.c.kind,
                    activity.c.data,
                )
                .where(and_(activity.c.code == code, activity.c.seq > after))
                .order_by(activity.c.seq)
                .limit(limit)
            ).all()
        return [Activity(r.seq, r.attendee, r.at, Kind(r.kind), json.loads(r.data)) for r in rows]

    def last_activity(self, code: str) -> int:
        """The number of the classroom's last activity row (0: none yet)."""
        with self._reading("read the classroom's activity") as conn:
            return last_seq(conn, activity, code)

    def all_activity(self, code: str) -> Iterator[Activity]:
        after = 0
        while batch := self.activity_after(code, after):
            yield from batch
            after = batch[-1].id

    def lesson_states(self, code: str, name: str) -> list[tuple[float, AttendeeState]]:
        """What `name` last published about each lesson they opened, with when: the lesson
        they were on last comes last (empty: nothing yet)."""
        with self._reading("read the attendee's progress") as conn:
            rows = conn.execute(
                select(activity.c.at, activity.c.data)
                .where(
                    and_(
                        activity.c.code == code,
                        activity.c.attendee == name,
                        activity.c.kind == str(Kind.STATE),
                    )
                )
                .order_by(activity.c.seq)
            ).all()
        latest: dict[str | None, tuple[float, AttendeeState]] = {}
        for row in rows:
            state = AttendeeState.from_json(json.loads(row.data))
            latest.pop(state.lesson, None)  # re-inserted: dicts keep the order of insertion
            latest[state.lesson] = (row.at, state)
        return list(latest.values())

    # -- broadcasts -------------------------------------------------------------------

    def broadcast(
        self, code: str, kind: str, data: Mapping[str, Any] | None = None, target: str | None = None
    ) -> int:
        """Send something to every attendee (or to `target` only); its number."""
        with self._writing("broadcast") as conn:
            seq = last_seq(conn, broadcasts, code) + 1
            conn.execute(
                insert(broadcasts).values(
                    code=code,
                    seq=seq,
                    at=self.clock(),
                    target=target,
                    kind=kind,
                    data=_json(data or {}),
                )
            )
        return seq

    def broadcasts_after(self, code: str, after: int = 0) -> list[Broadcast]:
        with self._reading("read the broadcasts") as conn:
            rows = conn.execute(
                select(broadcasts)
                .where(and_(broadcasts.c.code == code, broadcasts.c.seq > after))
                .order_by(broadcasts.c.seq)
            ).all()
        return [Broadcast(r.seq, r.at, r.kind, json.loads(r.data), r.target) for r in rows]

    def last_broadcast(self, code: str) -> int:
        with self._reading("read the broadcasts") as conn:
            return last_seq(conn, broadcasts, code)

    # -- pictures ---------------------------------------------------------------------

    def put_picture(self, code: str, name: str, picture: Mapping[str, Any]) -> None:
        data = _json(picture)
        now = self.clock()
        key = and_(pictures.c.code == code, pictures.c.name == name)
        with self._failures("publish the lab picture"), self.engine.begin() as conn:
            done = conn.execute(update(pictures).where(key).values(at=now, data=data))
            if not done.rowcount:
                conn.execute(insert(pictures).values(code=code, name=name, at=now, data=data))

    def picture(self, code: str, name: str) -> tuple[float, dict[str, Any]] | None:
        with self._reading("read the lab picture") as conn:
            row = conn.execute(
                select(pictures.c.at, pictures.c.data).where(
                    and_(pictures.c.code == code, pictures.c.name == name)
                )
            ).first()
        return None if row is None else (row.at, json.loads(row.data))


def _json(data: Mapping[str, Any]) -> str:
    """What a row's `data` column holds: compact JSON."""
    return json.dumps(dict(data), separators=(",", ":"))


def closed_refusal(code: str, exists: bool) -> str:
    """Why classroom `code` takes no join: it does not exist, or it is closed."""
    if not exists:
        return f"there is no classroom {code!r}: check the code on the board"
    return f"classroom {code} is closed: ask the instructor"


def new_code(taken: set[str]) -> str:
    """A code of `CODE_LENGTH` letters no classroom has."""
    while True:
        code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code
