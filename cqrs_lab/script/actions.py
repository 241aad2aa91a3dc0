"""What a lab line asks for: a shop command, a query, or a control of the lab.

Actions are plain immutable values (`@action`); the Lab carries them out. Parsing has already
validated every field, so the Lab only resolves what depends on its state (`last`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from pydantic import SecretStr

from cqrs_lab.script.action_values import action
from cqrs_lab.script.names import Lane, View
from cqrs_lab.script.production_actions import ProductionAction
from cqrs_lab.script.service_actions import ServiceAction
from cqrs_lab.shop.commands import SPEC_OF_VERB, Command, build
from cqrs_lab.sim.bus import ALL
from cqrs_lab.sim.latency import LatencyModel
from cqrs_lab.wording import counted

LANE_ALL = ALL
"""The word that addresses every lane at once."""
MODES = ("inline", "async")
GAP_POLICIES = ("wait", "catch-up")
ORDER_LAST = "last"
"""Stands for the most recent order placed in this lab; the Lab resolves it."""

Mode: TypeAlias = Literal["inline", "async"]
GapPolicy: TypeAlias = Literal["wait", "catch-up"]


@action
class Send:
    """A shop command, validated. `place-order USER` without an id has no `order_id` field:
    the Lab makes one up. An `order_id` equal to ORDER_LAST is for the Lab to resolve."""

    command_type: type[Command]
    fields: Mapping[str, Any]

    @property
    def verb(self) -> str:
        return self.command_type.verb

    @property
    def view(self) -> str | None:
        """The view that shows what the command changed (its spec's first), if any."""
        views = SPEC_OF_VERB[self.verb].views
        return views[0] if views else None

    def build(self, **overrides: object) -> Command:
        """The command, with `overrides` (such as `order_id`, `command_id`) replacing fields."""
        return build(self.command_type, **{**self.fields, **overrides})


@action
class Login:
    username: str
    password: SecretStr


@action
class Query:
    """Read a view; `crud` reads the CRUD twin; `wait` waits for the asker's own writes
    (for at most `timeout` lab seconds, or the Lab's default when None)."""

    view: View
    username: str | None = None
    crud: bool = False
    wait: bool = False
    timeout: float | None = None
    page: int = 1
    """The catalog's page (`query catalog page 2`); other views have one page."""


@action
class SetLatency:
    lane: Lane
    model: LatencyModel


@action
class SetFaults:
    """Fault tokens, already checked with `parse_faults`; apply them in order."""

    lane: Lane
    tokens: tuple[str, ...]


@action
class SetCapacity:
    """A lane's consumer handles at most `rate` deliveries a second (None: no limit)."""

    lane: Lane
    rate: float | None


@action
class SetMode:
    lane: Lane
    mode: Mode


@action
class SetGaps:
    lane: Lane
    policy: GapPolicy


@action
class Pause:
    pass


@action
class Resume:
    pass


@action
class Step:
    count: int = 1


@action
class Speed:
    factor: float


@action
class Advance:
    seconds: float


@action
class Settle:
    """Run until nothing is in flight."""


@action
class Check:
    """Audit the lab's database: the store, each projection, the CRUD twin."""


@action
class Rebuild:
    lane: Lane


@action
class Load:
    """A Poisson workload: `rate` commands per lab second for `duration` lab seconds."""

    rate: float
    duration: float


@action
class Reset:
    pass


@action
class Seed:
    value: int


@action
class Say:
    text: str


@action
class WaitKey:
    pass


@action
class Export:
    path: str


@action
class Race:
    """Two shop commands decided against the same state, appended one after the other:
    the second meets a concurrency conflict."""

    first: Send
    second: Send


@action
class Hold:
    lane: Lane


@action
class Release:
    lane: Lane


@action
class ShowTrace:
    """The causation trace of the event at a position (an int) or of a command id, or the
    start of one (a str)."""

    target: int | str


@action
class Help:
    topic: str | None = None


ExpectationKind: TypeAlias = Literal["rows", "has", "no"]


@dataclass(frozen=True, slots=True)
class Expectation:
    """What a learner expects one side of a query to show: a number of rows (`rows`), or
    a value some row holds (`has`) or none does (`no`)."""

    kind: ExpectationKind
    value: int | str

    def __str__(self) -> str:
        """As written in a lab line: 2, has:o1, no:o1."""
        return str(self.value) if self.kind == "rows" else f"{self.kind}:{self.value}"

    def describe(self) -> str:
        if self.kind == "rows":
            return counted(self.value, "row")
        verb = "includes" if self.kind == "has" else "does not include"
        return f"{verb} {self.value}"


@action
class Predict:
    """A prediction of what a query will show once its held lane is released: in the read
    model (`read`) and in the CRUD twin (`crud`)."""

    view: View
    username: str | None
    read: Expectation
    crud: Expectation


Action: TypeAlias = (
    Send
    | Login
    | Query
    | SetLatency
    | SetFaults
    | SetCapacity
    | SetMode
    | SetGaps
    | Pause
    | Resume
    | Step
    | Speed
    | Advance
    | Settle
    | Check
    | Rebuild
    | Load
    | Reset
    | Seed
    | Say
    | WaitKey
    | Export
    | Race
    | Hold
    | Release
    | Predict
    | ShowTrace
    | Help
    | ProductionAction
    | ServiceAction
)
