"""What running one lab line produced: a message for people and data for machines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from cqrs_lab.script.actions import Action

OutcomeKind = Literal["command", "query", "login", "control", "say", "wait-key", "error"]


@dataclass(frozen=True, slots=True)
class Outcome:
    line: str
    ok: bool
    kind: OutcomeKind
    message: str
    data: dict[str, Any] = field(default_factory=dict)
    code: str | None = None  # error code of a refused command or a bad line
    action: Action | None = field(default=None, compare=False, repr=False)
    """The line's parsed action (None: a blank line, a comment, a line that did not parse)."""

    def to_json(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "line": self.line,
            "ok": self.ok,
            "kind": self.kind,
            "message": self.message,
        }
        if self.code:
            payload["code"] = self.code
        payload.update(self.data)
        return payload


def control(line: str, message: str, **data: Any) -> Outcome:
    """The outcome of a control line that did what `message` says."""
    return Outcome(line, True, "control", message, data)
