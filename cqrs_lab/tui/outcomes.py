"""What a line's outcome was about, for the screen to follow it."""

from __future__ import annotations

from cqrs_lab.lab import Lab, Outcome


def user_of(lab: Lab, outcome: Outcome) -> str | None:
    """The user a command's events are about (pay, ship and cancel name only an order)."""
    positions = {event["position"] for event in outcome.data.get("events", ())}
    for event in lab.recent:
        if event.position in positions and isinstance(event.data.get("username"), str):
            return str(event.data["username"])
    return None
