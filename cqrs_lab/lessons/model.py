"""The lesson format as pydantic models: what a lesson file's front matter must hold.

Lab script fields (`setup`, `solution`) are checked line by line with the script parser, and
goals with `goals.parse_goal`, when the file is loaded: a lesson that loads is a lesson
whose every line parses and whose every goal names real predicates, views and fields.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictInt,
    StrictStr,
    StringConstraints,
    field_validator,
)

from cqrs_lab.lessons.goals import Goal, parse_goal
from cqrs_lab.script import ScriptErrors, Seed, parse_script

LESSON_ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

Text = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1)]


class ScriptProblem(ValueError):
    """The bad lines of a script field (their messages name line and column)."""

    def __init__(self, errors: ScriptErrors) -> None:
        self.errors = errors.errors
        super().__init__(str(errors))


def script_lines(value: object) -> tuple[str, ...]:
    """A script field: one string of lines, or a list of lines. Blank and comment-only lines
    are dropped; every other line must parse."""
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        value = "\n".join(value)
    if not isinstance(value, str):
        raise ValueError("lab script lines: a string (use ''' for several lines) or a list")
    try:
        parsed = parse_script(value)
    except ScriptErrors as errors:
        raise ScriptProblem(errors) from None
    lines = value.removeprefix("\ufeff").split("\n")
    return tuple(lines[line_no - 1].strip() for line_no, _ in parsed)


def _not_empty(what: str) -> BeforeValidator:
    """A list that must hold something (checked before its items, so a bad item is not
    also reported as a missing one)."""

    def check(value: object) -> object:
        if isinstance(value, list) and not value:
            raise ValueError(f"give at least one {what}")
        return value

    return BeforeValidator(check)


Script = Annotated[tuple[str, ...], BeforeValidator(script_lines)]
GoalField = Annotated[Goal, BeforeValidator(parse_goal)]


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    title: Text
    text: Text
    """Markdown: what to do, why, and what to look at on screen."""
    goal: GoalField
    hints: Annotated[tuple[Text, ...], _not_empty("hint")]
    """Shown one at a time, most gentle first."""
    solution: Script
    """What "show me" plays; `cqrs-lab lessons validate` checks it meets the goal."""

    @field_validator("solution")
    @classmethod
    def _something_to_show(cls, lines: tuple[str, ...]) -> tuple[str, ...]:
        if not lines:
            raise ValueError('give at least one lab line: it is what "show me" plays')
        return lines


class Facilitator(BaseModel):
    """Notes for whoever runs the lesson with a group: never shown in the learner's panel
    (`cqrs-lab lessons notes` prints them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    duration: Text
    """How long the lesson takes a group, like "20 min"."""
    wrong_turns: tuple[Text, ...] = ()
    """Where learners commonly go wrong, and what to say."""
    questions: tuple[Text, ...] = ()
    """Questions to discuss after the lesson."""
    notes: Text | None = None
    """Anything else (Markdown)."""


class Lesson(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    id: Annotated[StrictStr, StringConstraints(pattern=LESSON_ID_PATTERN)]
    title: Text
    summary: Text
    order: StrictInt
    setup: Script
    """Run on a lab that was reset to its default settings, before the first step."""
    steps: Annotated[tuple[Step, ...], _not_empty("step (a [[steps]] table)")]
    facilitator: Facilitator | None = None
    """Instructors' notes (a `[facilitator]` table)."""
    intro: str = ""
    """The Markdown body below the front matter."""
    source: Path | None = None
    """The file the lesson came from."""

    @field_validator("setup")
    @classmethod
    def _seeded(cls, lines: tuple[str, ...]) -> tuple[str, ...]:
        if not any(isinstance(action, Seed) for _, action in parse_script("\n".join(lines))):
            raise ValueError(
                "add a line 'seed N' (any whole number) so the lesson replays the same way"
            )
        return lines
