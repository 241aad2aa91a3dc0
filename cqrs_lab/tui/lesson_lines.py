"""The lesson panel's lines in words: the page's text, the goal's checklist, what to do
next, the steps, and the help under them (the note, the hints, what "show me" played)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.content import Content

from cqrs_lab.lessons import GoalStatus, Lesson, LessonRun, StepMark
from cqrs_lab.script import mask_secrets

if TYPE_CHECKING:
    from cqrs_lab.lab import Outcome

MARK_WORDS = {StepMark.SOLVED: "solved", StepMark.SHOWN: "shown", None: "to do"}


def opening_note(notice: str | None, setup: Sequence[Outcome], step: int) -> str:
    """What the panel says as a lesson opens at `step` (from 0): the progress file's
    `notice`, and a setup line that failed or the steps a resume replayed."""
    failed = [outcome for outcome in setup if not outcome.ok]
    notes = [notice or ""]
    if failed:
        notes.append(f"the lesson's setup failed: {failed[0].line}: {failed[0].message}")
    elif step:
        before = "step 1" if step == 1 else f"steps 1-{step}"
        notes.append(f"Resumed at step {step + 1}: {before} replayed.")
    return " ".join(note for note in notes if note)


def page_markdown(run: LessonRun, intro: bool) -> str:
    """The Markdown of the step, or of the lesson's introduction (`intro`)."""
    lesson, step = run.lesson, run.step
    if intro:
        return f"{lesson.intro}\n\n*F4: step 1 of {len(lesson.steps)}, {step.title}.*"
    return f"**Step {run.step_index + 1}: {step.title}**\n\n{step.text}"


def checklist_content(status: GoalStatus) -> Content:
    """The goal as a checklist: ☑ done / ☐ to do, in words as well as marks."""
    lines: list[Content] = []
    for depth, line in status.checklist():
        indent = "  " * depth
        if line.met:
            mark, word, style = "☑", "done", "$text-success"
        elif line.watching:
            mark, word, style = "☐", "to do", ""
        else:
            mark, word, style = "☐", "after the ones above", "$foreground-muted"
        reading = f" (now: {line.reading})" if line.reading and not line.met else ""
        lines.append(
            Content.assemble(
                indent,
                (f"{mark} {word}: ", f"bold {style}".strip()),
                (f"{line.description}{reading}", style),
            )
        )
    return Content("\n").join(lines)


def state_line(run: LessonRun, following: Lesson | None) -> str:
    """What to do next once the goal is met, in words."""
    how = "✓ Goal met with show me (counts as shown)." if run.shown else "✓ Solved!"
    if not run.is_last:
        return f"{how} F4: on to step {run.step_index + 2}."
    if following is not None:
        return f"{how} Lesson complete. F4: the next lesson, {following.title}."
    return f"{how} Lesson complete: that was the last lesson."


def steps_line(run: LessonRun, intro: bool = False) -> Content:
    """Every step of the lesson in words (solved, shown, to do), the current one marked
    (none while the panel shows the introduction)."""
    lesson, progress = run.lesson, run.progress
    marks = []
    for index in range(len(lesson.steps)):
        mark = progress.mark(lesson.id, index) if progress else None
        text = f"{index + 1} {MARK_WORDS[mark]}"
        current = index == run.step_index and not intro
        marks.append(Content.styled(f"▸{text}", "bold underline") if current else Content(text))
    where = f"Introduction, then {len(lesson.steps)} steps" if intro else "Steps"
    heading = Content.styled(f"{where}: ", "bold")
    return Content.assemble(heading, Content(" · ").join(marks))


def help_content(
    note: str, hints: Sequence[str], of: int, played: Sequence[str], to_play: Sequence[str]
) -> Content:
    """The note, the hints given so far (of `of`), and what "show me" played and will play
    (empty: nothing to show)."""
    parts: list[Content | str] = []
    if note:
        parts.append(Content.styled(note, "italic"))
    for number, hint in enumerate(hints, start=1):
        parts.append(Content.assemble((f"Hint {number} of {of}: ", "bold $text-accent"), hint))
    if played or to_play:
        parts.append(Content.styled("Show me (this step counts as shown):", "bold"))
        # Shown masked like every line a person sees: a solution may register a user.
        parts += [Content.assemble(("✓ played ", "$text-success"), mask_secrets(x)) for x in played]
        parts += [
            Content.assemble(("… next   ", "$foreground-muted"), mask_secrets(x)) for x in to_play
        ]
    return Content("\n").join(parts)
