"""When the lesson panel draws its goal's checklist again: whenever a line's mark or the
verdict changes, but a checklist whose only change is a measured number ("now: 3.2 s")
at most every READING_FRAMES frames, so it stays readable and costs no layout a frame."""

from __future__ import annotations

from cqrs_lab.lessons import GoalStatus

READING_FRAMES = 10
"""A checklist whose only change is a measured number is redrawn at most every 10 frames."""


def shape(status: GoalStatus) -> tuple[tuple[int, str, bool, bool], ...]:
    """A checklist without its measured readings."""
    return tuple((depth, s.description, s.met, s.watching) for depth, s in status.checklist())


class GoalRedraw:
    """What the checklist was drawn with last; `frames` counts the panel's frames."""

    def __init__(self) -> None:
        self.frames = 0
        self.status: GoalStatus | None = None
        self.solved = False
        self._drawn_at = 0

    def due(self, status: GoalStatus, solved: bool) -> bool:
        """Whether `status` (and the verdict `solved`) should be drawn this frame."""
        if status == self.status and solved == self.solved:
            return False
        return not (
            solved == self.solved
            and self.status is not None
            and shape(status) == shape(self.status)
            and self.frames - self._drawn_at < READING_FRAMES
        )

    def drawn(self, status: GoalStatus | None, solved: bool) -> None:
        self.status, self.solved, self._drawn_at = status, solved, self.frames
