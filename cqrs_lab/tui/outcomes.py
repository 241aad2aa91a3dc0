"""A lab line's outcome, for the screen: how a line the lab fails on is said, and what the
line was about, for the view panel to follow it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cqrs_lab import script as sc
from cqrs_lab.lab import Lab, Outcome, interpreter

if TYPE_CHECKING:
    from cqrs_lab.lab.interpreter import ParsedLine


def executed(lab: Lab, parsed: ParsedLine) -> Outcome:
    """Run `parsed` on `lab`; an exception (the Lab should not raise for input) becomes a
    failed outcome that says so, never a traceback."""
    try:
        return interpreter.execute(lab, parsed)
    except Exception as error:
        message = f"the lab failed on this line: {type(error).__name__}: {error}"
        return Outcome(parsed.shown, False, "error", message, {}, type(error).__name__)


def followed(lab: Lab, outcome: Outcome, view: str) -> tuple[str, str | None] | None:
    """The view (and user) to show after `outcome`: a query's own, or after a command the
    view it names (else `view`) for the user its events are about; None: no change."""
    action = outcome.action
    if not outcome.ok:
        return None
    if isinstance(action, sc.Query):
        return action.view, action.username
    if isinstance(action, sc.Send):
        return action.view or view, user_of(lab, outcome)
    return None


def user_of(lab: Lab, outcome: Outcome) -> str | None:
    """The user a command's events are about (pay, ship and cancel name only an order)."""
    positions = {event["position"] for event in outcome.data.get("events", ())}
    for event in lab.recent:
        if event.position in positions and isinstance(event.data.get("username"), str):
            return str(event.data["username"])
    return None
