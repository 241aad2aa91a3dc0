"""Rows read from `events` turned into RecordedEvents, upcast to the current schema.

Every read of events ends here, one call a read (never one a row): the loop is kept tight
because a stream load or a page of `read_all` runs it over every row it reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cqrs_lab.store.event_types import EventMetadata, RecordedEvent, Upcaster
from cqrs_lab.store.meta_format import read_meta
from cqrs_lab.store.records import Row
from cqrs_lab.store.statements import loads


def decode(
    rows: Iterable[Row], upcasters: Mapping[tuple[str, int], Upcaster]
) -> list[RecordedEvent]:
    """Rows to events. Events of one command share their metadata, so it is made once."""
    if not rows:  # a command not seen before: on every command's path
        return []
    metadata_by_row: dict[tuple[str, float, str], EventMetadata] = {}
    events: list[RecordedEvent] = []
    append = events.append
    for row in rows:
        position, stream_id, version, type_, schema_version, data_json, meta = row[:7]
        key = (row[7], row[8], meta)  # command_id, recorded_at, meta
        metadata = metadata_by_row.get(key)
        if metadata is None:
            metadata = metadata_by_row[key] = read_meta(*key)
        data = loads(data_json)
        if upcasters:
            data, schema_version = _upcast(upcasters, type_, schema_version, data)
        append(RecordedEvent(position, stream_id, version, type_, data, metadata, schema_version))
    return events


def _upcast(
    upcasters: Mapping[tuple[str, int], Upcaster],
    type_: str,
    schema_version: int,
    data: dict[str, Any],
) -> tuple[dict[str, Any], int]:
    """Apply (type, version) -> (version + 1) upcasters until none matches."""
    upcaster = upcasters.get((type_, schema_version))
    while upcaster is not None:
        data = upcaster(data)
        schema_version += 1
        upcaster = upcasters.get((type_, schema_version))
    return data, schema_version
