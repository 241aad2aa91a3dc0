"""The lesson panel's lines in words: the goal's checklist, what to do next, and the steps."""

from __future__ import annotations

from textual.content import Content

from cqrs_lab.lessons import GoalStatus, Lesson, LessonRun, StepMark

MARK_WORDS = {StepMark.SOLVED: "solved", StepMark.SHOWN: "shown", None: "to do"}


def shape(status: GoalStatus) -> tuple[tuple[int, str, bool, bool], ...]:
    """A checklist without its measured readings."""
    return tuple((depth, s.description, s.met, s.watching) for depth, s in status.checklist())


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
