"""How an event row stores its metadata: each fact once.

The command id and the recording time have columns of their own (`command_id` is indexed,
`recorded_at` is read by time travel), so the `meta` column keeps only what they do not
say: the correlation and causation ids, and only when they differ from the command id. A
command sent on its own (both are its id) stores an empty `meta`; one a saga or a service
sends keeps `{"correlation_id": ...}`.

Rows written before (`meta` held all four facts as JSON, the command id three times) are
read as they always were.
"""

from __future__ import annotations

import json

from cqrs_lab.store.event_types import EventMetadata

_dumps = json.JSONEncoder(separators=(",", ":")).encode


def stored_meta(metadata: EventMetadata) -> str:
    """The `meta` column for `metadata`: what the command_id and recorded_at columns do not say."""
    command_id, correlation_id, causation_id = (
        metadata.command_id,
        metadata.correlation_id,
        metadata.causation_id,
    )
    if correlation_id == command_id and causation_id == command_id:
        return ""  # a command of its own: the common case, with nothing to encode
    extra = {}
    if correlation_id != command_id:
        extra["correlation_id"] = correlation_id
    if causation_id != command_id:
        extra["causation_id"] = causation_id
    return _dumps(extra)


def read_meta(command_id: str, recorded_at: float, meta: str) -> EventMetadata:
    """The metadata of a row, from its columns and its `meta`, old rows' full JSON included."""
    if not meta:
        return EventMetadata(command_id, command_id, command_id, float(recorded_at))
    stored = json.loads(meta)
    if "command_id" in stored:  # a row written before the facts were stored once
        return EventMetadata.from_dict(stored)
    return EventMetadata(
        command_id,
        stored.get("correlation_id", command_id),
        stored.get("causation_id", command_id),
        float(recorded_at),
    )
