"""A consistency audit of a lab database: what `cqrs-lab check` and the `check` line report.

It only reads. It checks:

- **the store**: positions 1..head without a hole, each stream's versions 1..n, each
  command's events one block;
- **each projection against a rebuild**: the events up to the projection's own stored
  checkpoint replayed into a fresh projection give exactly its stored rows (an async
  projection may be behind: it is checked as of where it says it is), and that checkpoint
  is not past the head;
- **the CRUD twin against a replay**: the commands the events record, applied to a fresh
  twin in memory, give exactly its rows.

A difference is a `Finding` naming what differs and how, with a few of the rows.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cqrs_lab.crud.tables import CRUD_TABLES
from cqrs_lab.crud.twin import CrudTwin
from cqrs_lab.lab.recording import RecordingError, command_of
from cqrs_lab.read.projection import Projection
from cqrs_lab.read.registry import PROJECTION_TYPES
from cqrs_lab.store.database import open_store
from cqrs_lab.store.event_store import EventStore, RecordedEvent

SHOWN_ROWS = 3
"""How many differing rows a finding names."""

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the audit found wrong, and where."""

    where: str
    """"store", "projection catalog", "CRUD twin" …"""
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


@dataclass(frozen=True, slots=True)
class AuditReport:
    """What an audit compared, at which head, and what it found wrong."""

    head: int
    checked: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings


def audit(store: EventStore) -> AuditReport:
    """Every check above, on `store`'s database (nothing is written to it)."""
    events = list(store.iter_all())
    findings = [*_store_findings(events)]
    checked = ["store"]
    with store.engine.connect() as connection:
        for name, projection_type in PROJECTION_TYPES.items():
            checked.append(f"projection {name}")
            findings += _projection_findings(projection_type, events, connection)
        checked.append("CRUD twin")
        findings += _twin_findings(events, connection)
    return AuditReport(len(events), tuple(checked), tuple(findings))


# -- the store ---------------------------------------------------------------------------


def _store_findings(events: list[RecordedEvent]) -> Iterator[Finding]:
    positions = [event.position for event in events]
    if positions != list(range(1, len(positions) + 1)):
        holes = sorted(set(range(1, (positions[-1] if positions else 0) + 1)) - set(positions))
        yield Finding("store", f"positions are not 1..{len(positions)}: missing {_few(holes)}")
    versions: dict[str, list[int]] = defaultdict(list)
    for event in events:
        versions[event.stream_id].append(event.version)
    for stream_id, seen in versions.items():
        if seen != list(range(1, len(seen) + 1)):
            yield Finding("store", f"stream {stream_id} has versions {_few(seen)}, not 1..n")
    blocks: set[str] = set()
    for command_id, _ in groupby(events, key=lambda event: event.metadata.command_id):
        if command_id in blocks:
            yield Finding("store", f"command {command_id[:8]}'s events are not one block")
        blocks.add(command_id)


# -- projections -------------------------------------------------------------------------


def _projection_findings(
    projection_type: type[Projection], events: list[RecordedEvent], connection: Connection
) -> Iterator[Finding]:
    where = f"projection {projection_type.name}"
    stored = projection_type()
    try:
        stored.load(connection)
    except sa.exc.DBAPIError as error:
        yield Finding(where, f"cannot be read: {str(error.orig).splitlines()[0]}")
        return
    head = events[-1].position if events else 0
    if stored.checkpoint > head:
        yield Finding(where, f"checkpoint #{stored.checkpoint} is past the head #{head}")
        return
    rebuilt = projection_type()
    for event in events:
        if event.position > stored.checkpoint:
            break
        rebuilt.apply(event)
    for table, mirror in stored.mirrors.items():
        expected = rebuilt.mirrors[table].rows
        for problem in _row_differences(expected, mirror.rows):
            yield Finding(where, f"{table} {problem} (as of its checkpoint #{stored.checkpoint})")


# -- the CRUD twin -----------------------------------------------------------------------


def _twin_findings(events: list[RecordedEvent], connection: Connection) -> Iterator[Finding]:
    replayed = open_store(":memory:")
    try:
        twin = CrudTwin()
        with replayed.transaction() as scratch:
            twin.create_tables(scratch)
            for _, group in groupby(events, key=lambda event: event.metadata):
                recorded = list(group)
                try:
                    twin.apply(scratch, command_of(recorded), recorded)
                except (RecordingError, sqlite3.Error, sa.exc.DBAPIError) as error:
                    where = f"event #{recorded[0].position}"
                    yield Finding("CRUD twin", f"cannot be replayed from {where}: {error}")
                    return
            expected = {table.name: _table_rows(scratch, table) for table in CRUD_TABLES}
    finally:
        replayed.engine.dispose()
    for table in CRUD_TABLES:
        try:
            actual = _table_rows(connection, table)
        except sa.exc.DBAPIError as error:
            yield Finding("CRUD twin", f"{table.name} cannot be read: {error.orig}")
            continue
        for problem in _row_differences(expected[table.name], actual):
            yield Finding("CRUD twin", f"{table.name} {problem}")


def _table_rows(connection: Connection, table: sa.Table) -> dict[tuple[Any, ...], Row]:
    keys = [column.name for column in table.primary_key.columns]
    rows = connection.execute(sa.select(table)).mappings()
    return {tuple(row[name] for name in keys): dict(row) for row in rows}


# -- differences -------------------------------------------------------------------------


def _row_differences(
    expected: Mapping[tuple[Any, ...], Row], actual: Mapping[tuple[Any, ...], Row]
) -> Iterator[str]:
    missing = [key for key in expected if key not in actual]
    extra = [key for key in actual if key not in expected]
    changed = [key for key in expected if key in actual and expected[key] != actual[key]]
    if missing:
        yield f"misses {len(missing)} row(s): {_few(_keys(missing))}"
    if extra:
        yield f"has {len(extra)} row(s) the events do not give: {_few(_keys(extra))}"
    for key in changed[:SHOWN_ROWS]:
        wrong = {
            name: (value, actual[key].get(name))
            for name, value in expected[key].items()
            if actual[key].get(name) != value
        }
        said = ", ".join(
            f"{name} {have!r} (expected {want!r})" for name, (want, have) in wrong.items()
        )
        yield f"row {_key(key)} differs: {said}"
    if len(changed) > SHOWN_ROWS:
        yield f"and {len(changed) - SHOWN_ROWS} more rows differ"


def _keys(keys: Iterable[tuple[Any, ...]]) -> list[str]:
    return [_key(key) for key in keys]


def _key(key: tuple[Any, ...]) -> str:
    return "/".join(str(part) for part in key)


def _few(items: list[Any]) -> str:
    shown = ", ".join(str(item) for item in items[:SHOWN_ROWS])
    return shown + (f" … ({len(items)} in all)" if len(items) > SHOWN_ROWS else "")
