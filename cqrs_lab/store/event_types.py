"""What the event store takes and gives: new events, their metadata, recorded events."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append: its type, its JSON-ready data and the version of that data's shape."""

    type: str
    data: dict[str, Any]
    schema_version: int = 1


@dataclass(frozen=True, slots=True)
class EventMetadata:
    """Where an event came from; `recorded_at` is in lab seconds (the Lab's clock)."""

    command_id: str
    correlation_id: str
    causation_id: str
    recorded_at: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EventMetadata:
        return cls(
            command_id=data["command_id"],
            correlation_id=data["correlation_id"],
            causation_id=data["causation_id"],
            recorded_at=float(data["recorded_at"]),
        )


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as stored: `position` is global, `version` counts within its stream from 1."""

    position: int
    stream_id: str
    version: int
    type: str
    data: dict[str, Any]
    metadata: EventMetadata
    schema_version: int = 1


@dataclass(frozen=True, slots=True)
class StreamAppend:
    """Events for one stream, valid only if the stream is at `expected_version` (0: new)."""

    stream_id: str
    expected_version: int
    events: Sequence[NewEvent]
