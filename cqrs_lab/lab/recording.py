"""Recordings: a lab session written as JSON Lines, and a fresh lab rebuilt from one.

One JSON object a line, each with a `kind`:

- `header` (first): the format and its version, the seed, the lab time at export (`now`),
  the head position, each lane's settings (latency, faults, mode, gaps), production's
  settings and state (`production`: error policies, poison, parked events, snapshots,
  cache, replicas, routes, upcasters; see `recording_production`) and `created_at` (wall
  time, UTC).
- `line`: one per lab line this lab ran, in order, with passwords masked (and masked again
  when read). (The lab keeps lines without the lab time they ran at, so a line carries no
  time.)
- `event`: one per stored event, in position order, with its metadata, exactly as stored:
  an event in an older shape stays in it (version 1 recordings hold them upcast), so a
  replayed lab with the upcasters off meets it as the original did.

Replay rebuilds from the events, not by running the lines again: command ids are random,
so re-running would write other metadata. The events are appended exactly as recorded (same
positions, streams, versions, data and metadata), in one transaction per recorded command.
The CRUD twin is fed by commands, so each group of events gives back its command (what the
twin reads of it), applied in the same transaction; the projections then fill themselves
from the store. The replayed projections are therefore the original's once its bus has
settled: deliveries in flight and events lost on an at-most-once lane are not part of a
recording. Every replayed checkpoint is the head (a lane that carries only some event types
may have left the original's at its last event of those types: the same state).

Secrets never enter events, and lines are masked, so an export holds no password: the users
of a replayed lab exist in every view, but none of them can log in. A recording made by
hand may hold one: reading drops every event field named like a password, at any depth.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cqrs_lab.crud.twin import CrudTwin
from cqrs_lab.lab.recording_format import FORMAT, FORMAT_VERSION
from cqrs_lab.lab.recording_production import production_json, restore_production
from cqrs_lab.read.subscriber import GapPolicy, Mode
from cqrs_lab.script import mask_secrets
from cqrs_lab.shop import commands as cmd
from cqrs_lab.sim.clock import Clock, VirtualClock
from cqrs_lab.sim.faults import parse_faults
from cqrs_lab.sim.latency import parse_latency
from cqrs_lab.store.counters import count_orders_placed
from cqrs_lab.store.database import open_store
from cqrs_lab.store.event_store import EventMetadata, NewEvent, RecordedEvent, Upcaster
from cqrs_lab.store.upcasters import UPCASTERS

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from cqrs_lab.lab.core import Lab
    from cqrs_lab.store.event_store import EventStore


class RecordingError(ValueError):
    """A recording that cannot be written, read or replayed; the message says why."""


@dataclass(frozen=True, slots=True)
class LaneSettings:
    """A lane's settings as a recording keeps them, in the words of the lab lines."""

    latency: str
    faults: str
    mode: str
    gaps: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Recording:
    """A recorded session: its seed and settings, the lines typed, the events stored."""

    seed: int
    created_at: str
    now: float
    lanes: dict[str, LaneSettings]
    lines: tuple[str, ...]
    events: tuple[RecordedEvent, ...]
    production: dict[str, Any] = field(default_factory=dict)
    """Production's settings and state (`recording_production`); empty: the defaults."""

    @property
    def head(self) -> int:
        return self.events[-1].position if self.events else 0


# -- export ----------------------------------------------------------------------------


def export(lab: Lab, path: str | os.PathLike[str]) -> int:
    """Write `lab`'s session to `path` (replacing it whole); return the number of events."""
    target = Path(path).expanduser()
    events = stored_events(lab)
    header = {
        "kind": "header",
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "seed": lab.seed,
        "now": lab.clock.now(),
        "head": events[-1].position if events else 0,
        "lanes": {name: lane_settings(lab, name).to_json() for name in lab.subscribers},
        "production": production_json(lab),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    # History lines are masked when run; masking again is idempotent and keeps this file
    # free of passwords even if a line ever reached the history unmasked.
    lines = ({"kind": "line", "line": mask_secrets(line)} for line in lab.history)
    records = [header, *lines, *(_event_json(event) for event in events)]
    _write_atomically(target, (json.dumps(record, ensure_ascii=False) for record in records))
    return len(events)


def stored_events(lab: Lab) -> list[RecordedEvent]:
    """Every event exactly as stored, whatever the lab's upcasters (they are put back)."""
    upcasters, lab.store.upcasters = lab.store.upcasters, {}
    try:
        return list(lab.store.iter_all())
    finally:
        lab.store.upcasters = upcasters


def lane_settings(lab: Lab, lane: str) -> LaneSettings:
    subscriber = lab.subscribers[lane]
    return LaneSettings(
        latency=str(lab.latencies[lane]),
        faults=str(lab.faults[lane]),
        mode=subscriber.mode.value,
        gaps=subscriber.gap_policy.value,
    )


def _event_json(event: RecordedEvent) -> dict[str, Any]:
    return {
        "kind": "event",
        "position": event.position,
        "stream_id": event.stream_id,
        "version": event.version,
        "type": event.type,
        "schema_version": event.schema_version,
        "data": event.data,
        "metadata": event.metadata.to_dict(),
    }


def _write_atomically(target: Path, lines: Iterable[str]) -> None:
    """Write to a temporary file beside `target`, then rename: never half a recording."""
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
    except OSError as error:
        raise RecordingError(f"cannot write {target}: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            for line in lines:
                out.write(line + "\n")
        os.replace(temporary, target)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise RecordingError(f"cannot write {target}: {error.strerror or error}") from None
        raise


# -- reading ---------------------------------------------------------------------------


def read(path: str | os.PathLike[str]) -> Recording:
    """Parse and check a recording; a RecordingError names the first problem and its line."""
    source = Path(path).expanduser()
    try:
        text = source.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RecordingError(f"cannot read {source}: {error}") from None
    records = list(_records(source, text))
    if not records or records[0][1].get("kind") != "header":
        raise RecordingError(f"{source}: not a CQRS Lab recording (no header on line 1)")
    number, header = records[0]
    with _about(source, number):
        if header.get("format") != FORMAT:
            raise ValueError(f"format is {header.get('format')!r}, expected {FORMAT!r}")
        version = header.get("version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ValueError(
                f"format version {version!r}: made by a newer cqrs-lab (this one reads "
                f"version {FORMAT_VERSION})"
            )
        seed, now, created_at = int(header["seed"]), float(header["now"]), header["created_at"]
        lanes = {name: LaneSettings(**settings) for name, settings in header["lanes"].items()}
        production = header.get("production", {})
        if not isinstance(production, dict):
            raise ValueError("production must be a JSON object")
    lines: list[str] = []
    events: list[RecordedEvent] = []
    for number, record in records[1:]:
        with _about(source, number):
            kind = record.get("kind")
            if kind == "line":
                lines.append(mask_secrets(str(record["line"])))
            elif kind == "event":
                event = _event_of(record)
                if events and event.position <= events[-1].position:
                    raise ValueError(
                        f"event #{event.position} comes after #{events[-1].position}: "
                        "events must be in position order"
                    )
                events.append(event)
            else:
                raise ValueError(f"unknown kind {kind!r} (expected line or event)")
    return Recording(seed, str(created_at), now, lanes, tuple(lines), tuple(events), production)


def _records(source: Path, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise RecordingError(f"{source}:{number}: not JSON: {error.msg}") from None
        if not isinstance(record, dict):
            raise RecordingError(f"{source}:{number}: expected a JSON object")
        yield number, record


@contextmanager
def _about(source: Path, number: int) -> Iterator[None]:
    """Turn a missing key or a bad value while reading line `number` into a RecordingError."""
    try:
        yield
    except KeyError as error:
        raise RecordingError(f"{source}:{number}: missing {error.args[0]!r}") from None
    except (ValueError, TypeError, AttributeError) as error:
        raise RecordingError(f"{source}:{number}: {error}") from None


def _event_of(record: dict[str, Any]) -> RecordedEvent:
    data = record["data"]
    if not isinstance(data, dict):
        raise ValueError("an event's data must be a JSON object")
    data = _without_secrets(data)
    return RecordedEvent(
        position=int(record["position"]),
        stream_id=str(record["stream_id"]),
        version=int(record["version"]),
        type=str(record["type"]),
        data=data,
        metadata=EventMetadata.from_dict(record["metadata"]),
        schema_version=int(record.get("schema_version", 1)),
    )


_SECRET_KEY = re.compile(r"pass(?:word|wd|phrase)|secret|pwd", re.IGNORECASE)
"""A field named like this is never replayed: no event of the lab holds one."""


def _without_secrets(value: Any) -> Any:
    """`value` (event data) without the fields named like a password, at any depth."""
    if isinstance(value, dict):
        return {
            key: _without_secrets(item)
            for key, item in value.items()
            if not _SECRET_KEY.search(str(key))
        }
    if isinstance(value, list):
        return [_without_secrets(item) for item in value]
    return value


# -- replay ----------------------------------------------------------------------------


def replay(
    path: str | os.PathLike[str],
    to: int | None = None,
    *,
    db: str | None = None,
    clock: Clock | None = None,
    password_cost: int = 2**14,
) -> Lab:
    """A fresh lab replaying the recording at `path`; see `replay_recording`."""
    return replay_recording(read(path), to, db=db, clock=clock, password_cost=password_cost)


def replay_recording(
    recording: Recording,
    to: int | None = None,
    *,
    db: str | None = None,
    clock: Clock | None = None,
    password_cost: int = 2**14,
) -> Lab:
    """A fresh lab (in memory unless `db` names an empty database) holding the recording's
    events up to position `to` (all of them when None); see the module's docstring."""
    from cqrs_lab.lab.core import Lab  # the Lab exports through this module: import late

    events = _events_up_to(recording.events, to)
    store = open_store(db if db is not None else ":memory:")
    try:
        if store.head() != 0:
            raise RecordingError(
                f"{store.where} already holds events: replay into an empty database"
            )
        _append_as_recorded(store, events)
        lab = Lab(
            store, seed=recording.seed, clock=clock or VirtualClock(), password_cost=password_cost
        )
    except BaseException:
        store.engine.dispose()
        raise
    whole = len(events) == len(recording.events)
    if whole:
        lab.clock.advance_to(recording.now)
    elif events:
        lab.clock.advance_to(events[-1].metadata.recorded_at)
    for name, settings in recording.lanes.items():
        if name in lab.subscribers:
            _apply_settings(lab, name, settings)
    try:
        restore_production(lab, recording.production, whole=whole)
    except (ValueError, KeyError, TypeError) as error:
        lab.close()
        why = f"missing {error.args[0]!r}" if isinstance(error, KeyError) else str(error)
        raise RecordingError(f"the header's production settings: {why}") from None
    if whole:  # with `to`, which lines ran before it is unknown
        lab.history.extend(map(mask_secrets, recording.lines))
    _remember(lab, [upcast(event, lab.store.upcasters) for event in events])
    return lab


def _events_up_to(events: Sequence[RecordedEvent], to: int | None) -> Sequence[RecordedEvent]:
    """Events at or below `to`. A cut inside one command's events is refused: the store
    never held half a command."""
    if to is None:
        return events
    if to < 0:
        raise RecordingError(f"--to must be a position (0 or more), got {to}")
    kept = [event for event in events if event.position <= to]
    if len(kept) < len(events) and kept:
        following = events[len(kept)]
        if following.metadata == kept[-1].metadata:
            command = [e.position for e in events if e.metadata == following.metadata]
            raise RecordingError(
                f"position {to} is inside one command's events (#{command[0]}..#{command[-1]},"
                f" appended together): replay to #{command[0] - 1} or #{command[-1]}"
            )
    return kept


def _append_as_recorded(store: EventStore, events: Sequence[RecordedEvent]) -> None:
    """Append each recorded command's events in one transaction, feeding the CRUD twin and
    the count of orders placed."""
    twin = CrudTwin()
    with store.transaction() as connection:
        twin.create_tables(connection)
    for metadata, group in groupby(events, key=lambda event: event.metadata):
        recorded = list(group)
        with store.transaction() as connection:
            appended = _append_group(store, connection, metadata, recorded)
            twin.apply(connection, command_of([upcast(e, UPCASTERS) for e in recorded]), appended)
            count_orders_placed(connection, appended)


def _append_group(
    store: EventStore,
    connection: Connection,
    metadata: EventMetadata,
    recorded: list[RecordedEvent],
) -> list[RecordedEvent]:
    appended: list[RecordedEvent] = []
    for stream_id, run in groupby(recorded, key=lambda event: event.stream_id):
        batch = list(run)
        new = [NewEvent(e.type, e.data, e.schema_version) for e in batch]
        appended += store.append(
            stream_id, batch[0].version - 1, new, metadata, connection=connection
        )
    for want, got in zip(recorded, appended, strict=True):
        if want.position != got.position:
            raise RecordingError(
                f"event #{want.position} would be stored as #{got.position}: the recording's "
                "positions must run from 1 without gaps"
            )
    return appended


def upcast(event: RecordedEvent, upcasters: dict[tuple[str, int], Upcaster]) -> RecordedEvent:
    """`event` as a store with `upcasters` reads it: an old shape turned into the current one."""
    data, version = event.data, event.schema_version
    while (upcaster := upcasters.get((event.type, version))) is not None:
        data, version = upcaster(data), version + 1
    if version == event.schema_version:
        return event
    return replace(event, data=data, schema_version=version)


_SPEC_OF_EVENT = {spec.event.type_name(): spec for spec in cmd.COMMAND_SPECS}
"""The event that says which command appended a group (the verb registry's `event`)."""


def command_of(recorded: Sequence[RecordedEvent]) -> cmd.Command:
    """The command that appended `recorded` (the events of one command), as the CRUD twin
    needs it. A registration comes back without its password, which no event holds: the
    command is constructed unvalidated, and only the twin reads it."""
    for event in recorded:
        spec = _SPEC_OF_EVENT.get(event.type)
        if spec is not None:
            if missing := [name for name in spec.replay_fields if name not in event.data]:
                raise RecordingError(
                    f"event #{event.position} {event.type} (version {event.schema_version}) "
                    f"has no {', '.join(missing)}: an old shape, read without its upcaster"
                )
            values = {name: event.data[name] for name in spec.replay_fields}
            return spec.command_type.model_construct(command_id=event.metadata.command_id, **values)
    types = ", ".join(event.type for event in recorded)
    raise RecordingError(f"no shop command appends only {types} (events #{recorded[0].position})")


def _apply_settings(lab: Lab, lane: str, settings: LaneSettings) -> None:
    try:
        lab.set_latency(lane, parse_latency(settings.latency))
        lab.set_faults(lane, parse_faults(settings.faults))
        lab.set_gap_policy(lane, GapPolicy(settings.gaps))
        lab.set_mode(lane, Mode(settings.mode))
    except ValueError as error:
        raise RecordingError(f"lane {lane}: {error}") from None


def _remember(lab: Lab, events: Sequence[RecordedEvent]) -> None:
    """What the lab keeps of events it has seen (as for events another process appended):
    the recent ones for the event log, counts by type, and the last order for `last`."""
    for event in events:
        lab.metrics.events[event.type] += 1
        if event.type == "OrderPlaced":
            lab.last_order_id = str(event.data["order_id"])
    lab.recent.extend(reversed(events[-(lab.recent.maxlen or len(events)) :]))
