"""The lesson keys: they join the app's bindings when the lab opens (the app checks
`LessonPanel.allows` before running one), and their words for the help screen."""

from __future__ import annotations

from textual.binding import Binding

HINT_KEY = Binding("f2", "lesson('hint')", "Hint", priority=True, id="lesson-hint")
"""Listed before the app's F2 (forms): with a lesson open F2 gives a hint."""
LESSON_KEYS: tuple[Binding, ...] = (
    Binding("f3", "lesson('show_me')", "Show me", priority=True, id="lesson-show-me"),
    Binding("f4", "lesson('next')", "Next step", priority=True, id="lesson-next"),
    Binding("f4", "lessons", "Lessons", priority=True, id="lessons"),
    Binding("ctrl+l", "lesson('fold')", "Fold", priority=True, id="lesson-fold"),
    Binding("h", "lesson('hint')", "Hint", show=False, id="lesson-hint-key"),
    Binding("right_square_bracket", "lesson('next')", "Next", show=False, id="lesson-next-key"),
    Binding(
        "left_square_bracket", "lesson('previous')", "Previous", show=False, id="lesson-prev-key"
    ),
)
"""The lesson keys (the app checks `LessonPanel.allows` before running one)."""
LESSON_KEY_HELP = {
    "lesson('hint')": "the lesson step's next hint (without a lesson, F2 shows the forms)",
    "lesson('show_me')": "show me: play the step's solution (the step counts as shown)",
    "lesson('next')": "the lesson's next step (after the last one: the next lesson)",
    "lesson('previous')": "the lesson's previous step",
    "lessons": "choose a lesson (while none is open)",
    "lesson('fold')": "fold the lesson panel into a line under the lab, or unfold it",
}
