"""Upcasters: old shapes of stored events turned into the current shape as they are read.

Events are facts and are never rewritten on disk. When an event's data changes shape, its
`schema_version` goes up and an upcaster here maps the old data to the new, keyed by
(event type, the version it reads); the store chains them (1 -> 2 -> 3 ...) on every read.
Upcasters work on plain JSON data: the store knows nothing of the shop's classes.
"""

from __future__ import annotations

from typing import Any

from cqrs_lab.store.event_store import Upcaster


def user_registered_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """UserRegistered 1 -> 2: the user's handle was called `name`; it is `username` now.

    Databases written before the version went up already say `username` under version 1;
    their data passes through unchanged.
    """
    if "name" not in data or "username" in data:
        return data
    renamed = {key: value for key, value in data.items() if key != "name"}
    return {"username": data["name"], **renamed}


UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("UserRegistered", 1): user_registered_v1_to_v2,
}
"""Every upcaster the lab applies when it reads its store."""
