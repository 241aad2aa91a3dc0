"""Predict, then release: the learner says what a query will show once a held lane lets its
deliveries in, and the release judges it against the real answers.

The presenter (or a lesson step) holds a lane (`hold orders`): deliveries wait at the
projection's door. The learner predicts what `orders alice` will show, in the read model and
in the CRUD twin: a number of rows, or a value some row holds (or none does). `release
orders` lets the deliveries in, then asks the query on both sides and marks each side right
or wrong. The counters are what lessons check (`prediction_correct`).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cqrs_lab.lab.answers import QueryAnswer
from cqrs_lab.lab.errors import LabError
from cqrs_lab.read.view_specs import VIEW_LANES
from cqrs_lab.read.views import ViewRows
from cqrs_lab.script.actions import Expectation
from cqrs_lab.shop.money import format_cents
from cqrs_lab.wording import counted

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab

VERDICTS_KEPT = 50
SHOWN_KEYS = 4
"""Row keys listed when describing what a side shows."""


class NotHeld(LabError):
    """A prediction is judged when its lane is released, so the lane must be held first."""

    def __init__(self, lane: str) -> None:
        super().__init__(
            f"hold {lane} first: a prediction is judged when the held delivery is released "
            f"(hold {lane}, send a command, predict, then release {lane})"
        )


@dataclass(frozen=True, slots=True)
class Prediction:
    view: str
    username: str | None
    lane: str
    read: Expectation
    crud: Expectation
    made_at: float
    """Lab time the prediction was made."""

    @property
    def query(self) -> str:
        """The query predicted, as typed after `query`: orders alice, sales."""
        return f"{self.view} {self.username}" if self.username else self.view

    @property
    def line(self) -> str:
        return f"predict {self.query} read={self.read} crud={self.crud}"

    def describe(self) -> str:
        return (
            f"{self.query}: the read model {_will_show(self.read)}, "
            f"the CRUD twin {_will_show(self.crud)}"
        )


def _will_show(expectation: Expectation) -> str:
    """'shows 1 row', 'includes o1', 'does not include o1'."""
    described = expectation.describe()
    return f"shows {described}" if expectation.kind == "rows" else described


@dataclass(frozen=True, slots=True)
class Verdict:
    """A prediction judged against the answers both sides gave right after the release."""

    prediction: Prediction
    read_answer: QueryAnswer
    crud_answer: QueryAnswer
    judged_at: float

    @property
    def read_right(self) -> bool:
        return expectation_holds(self.prediction.read, self.read_answer.rows)

    @property
    def crud_right(self) -> bool:
        return expectation_holds(self.prediction.crud, self.crud_answer.rows)

    @property
    def right(self) -> bool:
        return self.read_right and self.crud_right

    def describe(self) -> str:
        """One line: each side, what was said, what it shows, right or wrong."""
        sides = (
            ("read model", self.prediction.read, self.read_answer, self.read_right),
            ("CRUD", self.prediction.crud, self.crud_answer, self.crud_right),
        )
        parts = [
            f"{name}: you said {said.describe()}, it shows {shows(answer.rows)}: "
            f"{'✓ right' if right else '✗ wrong'}"
            for name, said, answer, right in sides
        ]
        return f"{self.prediction.query} — " + "; ".join(parts)


def expectation_holds(expectation: Expectation, rows: ViewRows) -> bool:
    if expectation.kind == "rows":
        return len(rows.rows) == expectation.value
    found = includes(rows, str(expectation.value))
    return found if expectation.kind == "has" else not found


def includes(rows: ViewRows, value: str) -> bool:
    """Whether a row (or the summary) holds a cell whose text is `value`, ignoring case;
    money reads as 12.50."""
    wanted = value.strip().casefold()
    return any(wanted == cell for cell in _cells(rows))


def _cells(rows: ViewRows) -> Iterator[str]:
    for row in rows.rows:
        for column, value in zip(rows.columns, row, strict=True):
            yield _text(column, value).casefold()
    for key, value in rows.summary:
        yield _text(key, value).casefold()


def _text(column: str, value: Any) -> str:
    if column.endswith("_cents") and isinstance(value, int):
        return format_cents(value)
    return str(value)


def shows(rows: ViewRows) -> str:
    """What a side shows, in a few words: '2 rows: o1, o2' or 'no rows'."""
    count = len(rows.rows)
    if not count:
        return "no rows"
    keys = [str(row[0]) for row in rows.rows[:SHOWN_KEYS] if row]
    more = ", …" if count > SHOWN_KEYS else ""
    return f"{counted(count, 'row')}: {', '.join(keys)}{more}"


class Predictions:
    """The predictions waiting for their lane's release, the verdicts, and the counts."""

    def __init__(self) -> None:
        self.pending: dict[tuple[str, str | None], Prediction] = {}
        self.verdicts: deque[Verdict] = deque(maxlen=VERDICTS_KEPT)
        self.made = 0
        self.judged = 0
        self.correct = 0
        """Predictions right on both sides."""
        self.correct_by_view: Counter[str] = Counter()
        self.last_judged: tuple[Verdict, ...] = ()
        """The verdicts of the latest release."""

    @property
    def last(self) -> Verdict | None:
        return self.verdicts[-1] if self.verdicts else None

    def predict(
        self,
        lab: Lab,
        view: str,
        username: str | None,
        read: Expectation,
        crud: Expectation,
    ) -> Prediction:
        """Record a prediction on `view`; its lane must be held. A new prediction of the
        same query replaces the one waiting."""
        lane = VIEW_LANES[view]
        if not lab.subscribers[lane].holding:
            raise NotHeld(lane)
        prediction = Prediction(view, username, lane, read, crud, lab.clock.now())
        self.pending[view, username] = prediction
        self.made += 1
        return prediction

    def judge(self, lab: Lab, lanes: Collection[str]) -> list[Verdict]:
        """Judge every prediction waiting on `lanes` (just released) against the answers
        the lab gives now. Screen-style queries: they count as no learner query."""
        due = [key for key, prediction in self.pending.items() if prediction.lane in lanes]
        verdicts = []
        for key in due:
            prediction = self.pending.pop(key)
            view, username = prediction.view, prediction.username
            verdict = Verdict(
                prediction,
                read_answer=lab.query(view, username, record=False),
                crud_answer=lab.query(view, username, crud=True, record=False),
                judged_at=lab.clock.now(),
            )
            verdicts.append(verdict)
            self.verdicts.append(verdict)
            self.judged += 1
            if verdict.right:
                self.correct += 1
                self.correct_by_view[view] += 1
        self.last_judged = tuple(verdicts)
        return verdicts
