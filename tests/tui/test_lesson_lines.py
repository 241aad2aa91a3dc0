"""The lesson panel's words and its goal's redraw pace, without a screen."""

from __future__ import annotations

from cqrs_lab.lab import Outcome
from cqrs_lab.lessons import GoalStatus
from cqrs_lab.tui.goal_redraw import READING_FRAMES, GoalRedraw
from cqrs_lab.tui.lesson_lines import help_content, opening_note


def lag(reading: str, met: bool = False) -> GoalStatus:
    return GoalStatus("the orders lane lags 5 s", "lag", met, True, reading=reading)


def test_a_changed_mark_is_drawn_at_once_a_changed_reading_now_and_then() -> None:
    goal = GoalRedraw()
    assert goal.due(lag("1.0 s"), solved=False)  # nothing drawn yet
    goal.drawn(lag("1.0 s"), solved=False)
    assert not goal.due(lag("1.0 s"), solved=False)  # unchanged
    goal.frames += 1
    assert not goal.due(lag("1.2 s"), solved=False)  # only the reading moved
    assert goal.due(lag("1.2 s", met=True), solved=False)  # a tick
    assert goal.due(lag("1.0 s"), solved=True)  # the verdict
    goal.frames += READING_FRAMES
    assert goal.due(lag("1.2 s"), solved=False)  # the reading, after a while


def test_the_help_says_the_note_the_hints_and_what_show_me_played_masked() -> None:
    content = help_content(
        "Resumed at step 2.",
        ["Query the CRUD twin."],
        2,
        ["register ada s3cret"],
        ["query orders ada"],
    )
    lines = content.plain.splitlines()
    assert lines[:3] == [
        "Resumed at step 2.",
        "Hint 1 of 2: Query the CRUD twin.",
        "Show me (this step counts as shown):",
    ]
    assert "s3cret" not in lines[3] and lines[3].startswith("✓ played register ada")
    assert lines[4] == "… next   query orders ada"
    assert not help_content("", [], 2, [], [])  # nothing to show: the panel hides it


def test_a_lesson_opening_says_its_notice_and_a_failed_setup_or_the_steps_replayed() -> None:
    ok = Outcome("register ada", True, "command", "registered ada")
    failed = Outcome("add-product mug", False, "error", "no price", code="bad_line")
    assert opening_note(None, [ok], 0) == ""
    assert opening_note(None, [ok], 1) == "Resumed at step 2: step 1 replayed."
    assert opening_note("progress reset.", [ok], 3) == (
        "progress reset. Resumed at step 4: steps 1-3 replayed."
    )
    assert opening_note(None, [ok, failed], 2) == (
        "the lesson's setup failed: add-product mug: no price"
    )
