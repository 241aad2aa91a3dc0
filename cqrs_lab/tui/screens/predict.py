"""Predict, then release: the lane of a view is held; the screen asks what the view will
show in the read model and in the CRUD twin once it is released; the learner answers, and
"Release" lets the held deliveries in and shows who was right.

Every step is a lab line run by the `run_line` the screen is given (`hold`, `predict`,
`release`), so it lands in the history and an open lesson checks it like a typed line
(`prediction_correct`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from cqrs_lab import script as sc
from cqrs_lab.lab import Lab, Outcome
from cqrs_lab.lab.guard import LabGuard
from cqrs_lab.lab.prediction import Verdict, shows
from cqrs_lab.read.view_specs import USER_VIEWS, VIEW_LANES, VIEW_NAMES
from cqrs_lab.script.actions import Expectation, ExpectationKind
from cqrs_lab.tui.screens.dialog import CLOSE, ClosingDialog
from cqrs_lab.tui.widgets.choice import word_choice
from cqrs_lab.wording import counted

KINDS: tuple[tuple[str, ExpectationKind], ...] = (
    ("this many rows", "rows"),
    ("a row with", "has"),
    ("no row with", "no"),
)
SIDES = ("read", "crud")
DOOR_SECONDS = 0.25
"""How often the line about the door is redrawn (wall seconds)."""


def expectation(kind: ExpectationKind, text: str) -> Expectation | str:
    """The learner's answer for one side, or what is wrong with it."""
    value = text.strip()
    if kind == "rows":
        if not value.isdigit():
            return "give a number of rows, like 1"
        return Expectation("rows", int(value))
    if not value or any(c.isspace() for c in value):
        return "give one value a row holds, like o1 or paid"
    return Expectation(kind, value)


def verdict_text(verdict: Verdict) -> Text:
    """Each side: what was said, what it shows, right or wrong; then the lesson in words."""
    text = Text()
    sides = (
        ("Read model", verdict.prediction.read, verdict.read_answer.rows, verdict.read_right),
        ("CRUD twin", verdict.prediction.crud, verdict.crud_answer.rows, verdict.crud_right),
    )
    for name, said, rows, right in sides:
        text.append("✓ right  " if right else "✗ wrong  ", style="bold")
        text.append(f"{name}: you said {said.describe()}; it shows {shows(rows)}\n")
    if verdict.right:
        text.append("Right on both sides.", style="bold")
    elif verdict.crud_right:
        text.append(
            "Right about CRUD: it changed when the command ran. The read model changed only "
            "when the delivery got in.",
            style="bold",
        )
    else:
        text.append("Look again: CRUD is updated in the command's own transaction.", style="bold")
    return text


class PredictScreen(ClosingDialog[None]):
    """Hold, predict, release. Escape closes it (the lane stays held until released)."""

    AUTO_FOCUS = "#predict-read-value"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="predict.close"),
        Binding("ctrl+r", "release", "Release", id="predict.release"),
    ]

    def __init__(
        self,
        lab: Lab,
        run_line: Callable[[str], Outcome | None],
        view: str = "orders",
        user: str = "",
        guard: LabGuard | None = None,
    ) -> None:
        super().__init__(classes="dialog")
        self.lab = lab
        self.run_line = run_line
        """Runs a lab line as the command bar does (None: it did not run now)."""
        self.guard = guard or LabGuard()
        """Held while the screen reads the lab (a load's worker thread may be sending)."""
        self.view = view
        self.user = user
        self.predicted = False

    @property
    def lane(self) -> str:
        return VIEW_LANES[self.view]

    def compose(self) -> ComposeResult:
        with Vertical(id="predict-box", classes="dialog-box"):
            yield Static("Predict, then release", id="predict-title", markup=False)
            yield Static(id="predict-door", markup=False)
            with Horizontal(id="predict-query"):
                yield Label("What will  query", classes="predict-label")
                yield word_choice(VIEW_NAMES, self.view, id="predict-view")
                yield Input(self.user, placeholder="user", compact=True, id="predict-user")
                yield Label("show once it is released?", classes="predict-label")
            for side, title in (("read", "Read model (projection)"), ("crud", "CRUD twin")):
                with Horizontal(classes="predict-side"):
                    yield Label(title, classes="predict-side-title")
                    yield Select(
                        [(label, kind) for label, kind in KINDS],
                        value="rows",
                        allow_blank=False,
                        compact=True,
                        id=f"predict-{side}-kind",
                    )
                    yield Input(
                        placeholder="1, or a value like o1",
                        compact=True,
                        id=f"predict-{side}-value",
                    )
            yield Static(id="predict-result", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Predict (Enter)", variant="primary", id="predict-save")
                yield Button("Release (ctrl+r)", variant="warning", id="predict-release")
                yield Button("Close (Esc)", id="predict-close", classes=CLOSE)

    def on_mount(self) -> None:
        self._hold()
        self._show_door()
        self.set_interval(DOOR_SECONDS, self._show_door, name="predict-door")

    # -- the question ------------------------------------------------------------------

    @on(Select.Changed, "#predict-view")
    def _view_picked(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str) and event.value != self.view:
            self.view = event.value
            self.predicted = False
            self._hold()
            self._show_door()

    @on(Input.Changed, "#predict-user")
    def _user_typed(self, event: Input.Changed) -> None:
        event.stop()
        self.user = event.value.strip()
        self.predicted = False

    def _hold(self) -> None:
        with self.guard:
            holding = self.lab.subscribers[self.lane].holding
        if not holding:
            self.run_line(f"hold {self.lane}")

    def _show_door(self) -> None:
        with self.guard:
            subscriber = self.lab.subscribers[self.lane]
            holding, waiting = subscriber.holding, list(subscriber.at_door)
        if not holding:
            text = f"The {self.lane} lane is not held: predict holds it again."
        elif waiting:
            listed = ", ".join(f"{e.type} #{e.position}" for e in waiting[:4])
            more = " …" if len(waiting) > 4 else ""
            count = counted(len(waiting), "delivery waits", "deliveries wait")
            text = f"The {self.lane} lane is held: {count} at the door: {listed}{more}."
        else:
            text = (
                f"The {self.lane} lane is held, nothing at its door yet: close this (Escape), "
                "send a command, then press p again: its events wait at the door."
            )
        self.query_one("#predict-door", Static).update(text)

    # -- answering and releasing -------------------------------------------------------

    def line(self) -> str | None:
        """The `predict` line of the answers, or None (with the problem shown)."""
        self.user = self.query_one("#predict-user", Input).value.strip()
        if self.view in USER_VIEWS and not self.user:
            self._problem(f"type the user whose {self.view} you predict")
            return None
        answers: dict[str, Expectation] = {}
        for side in SIDES:
            kind = cast(ExpectationKind, self.query_one(f"#predict-{side}-kind", Select).value)
            found = expectation(kind, self.query_one(f"#predict-{side}-value", Input).value)
            if isinstance(found, str):
                self._problem(f"{'read model' if side == 'read' else 'CRUD'}: {found}")
                return None
            answers[side] = found
        query = f"{self.view} {self.user}" if self.view in USER_VIEWS else self.view
        return f"predict {query} read={answers['read']} crud={answers['crud']}"

    def _problem(self, text: str) -> None:
        self._result(Text(f"✗ {text}", style="bold"))

    @on(Button.Pressed, "#predict-save")
    @on(Input.Submitted)
    def _save(self, event: Button.Pressed | Input.Submitted) -> None:
        event.stop()
        self.predict()

    def predict(self) -> bool:
        """Record the answers as a prediction; say so, or what is wrong."""
        line = self.line()
        if line is None:
            return False
        self._hold()
        try:
            sc.parse_line(line)
        except sc.ScriptError as error:
            self._result(Text(f"✗ {error.message}", style="bold"))
            return False
        outcome = self.run_line(line)
        if outcome is None or not outcome.ok:
            self._result(Text(f"✗ {outcome.message if outcome else 'not recorded'}"))
            return False
        self.predicted = True
        self._result(Text(f"✓ {outcome.message}"))
        return True

    @on(Button.Pressed, "#predict-release")
    def _release_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_release()

    def action_release(self) -> None:
        """Release the lane (after recording the answers, if they were not yet)."""
        if not self.predicted and self._answered() and not self.predict():
            return
        outcome = self.run_line(f"release {self.lane}")
        self.predicted = False
        self._show_door()
        with self.guard:
            verdicts = list(self.lab.predictions.last_judged)
        if verdicts:
            self._result(verdict_text(verdicts[-1]))
        elif outcome is not None:
            self._result(Text(f"{outcome.message} — no prediction was waiting."))

    def _answered(self) -> bool:
        return any(self.query_one(f"#predict-{side}-value", Input).value.strip() for side in SIDES)

    def _result(self, text: Text) -> None:
        self.query_one("#predict-result", Static).update(text)
