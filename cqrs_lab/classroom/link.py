"""The attendee's side: what their lab publishes to the classroom, and what it hears from it.

`AttendeeLink` knows nothing of screens. Its host (the attendee's lab screen, or a simulated
attendee in the bench) calls `tick` a few times a second with the attendee's state as
`state_of` reads it from the open lesson; the link publishes a state row when it changed,
a row for each rejected line the lab's line observer saw, a heartbeat now and then, the
lab's picture while the instructor watches, and returns the broadcasts meant for this
attendee, which the host applies with `apply_broadcast`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from cqrs_lab.classroom.model import AttendeeState, Kind
from cqrs_lab.classroom.picture import lab_picture
from cqrs_lab.classroom.storage import Broadcast, Classroom, ClassroomStore
from cqrs_lab.store.errors import StoreError

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab, Outcome
    from cqrs_lab.lessons import LessonRun, Progress

HEARTBEAT_EVERY = 5.0
PICTURE_EVERY = 0.5
NAME_FIELD = "{name}"
"""In a broadcast line, the attendee's own name (`everyone: add-to-cart {name} mug 1`)."""


class BroadcastKind:
    LESSON = "lesson"
    LINE = "line"
    PAUSE = "pause"
    RESUME = "resume"
    RESET = "reset"
    WATCH = "watch"
    UNWATCH = "unwatch"


def state_of(run: LessonRun | None, *, paused: bool = False) -> AttendeeState:
    """Where the attendee is, read from their open lesson (and its saved progress)."""
    if run is None:
        return AttendeeState(paused=paused)
    lesson = run.lesson
    marks: dict[int, str] = {}
    if run.progress is not None:
        for index in range(len(lesson.steps)):
            mark = run.progress.mark(lesson.id, index)
            if mark is not None:
                marks[index] = str(mark)
    here = run.step_index
    if here not in marks and (run.solved or run.shown):
        marks[here] = "shown" if run.shown else "solved"
    return AttendeeState(
        lesson=lesson.id,
        steps=len(lesson.steps),
        step=here,
        marks=marks,
        hints=run.hints_given,
        shown=run.shown,
        paused=paused,
    )


def restore_progress(progress: Progress, states: Iterable[AttendeeState]) -> None:
    """Put what the classroom kept of each of an attendee's lessons into their progress
    file, so every lesson opens where they were (after a reconnect, or on another machine)."""
    from cqrs_lab.lessons import StepMark

    for state in states:
        if state.lesson is None:
            continue
        for index, mark in sorted(state.marks.items()):
            progress.record(state.lesson, index, StepMark(mark))
        progress.set_current(state.lesson, state.step)


def describe(broadcast: Broadcast) -> str:
    """The caption an attendee sees for what the instructor did."""
    data = broadcast.data
    if broadcast.kind == BroadcastKind.LESSON:
        step = data.get("step")
        at = f", step {int(step) + 1}" if step is not None else ""
        return f"The instructor opened {data.get('title') or data.get('lesson')}{at} for everyone"
    if broadcast.kind == BroadcastKind.LINE:
        return f"The instructor ran for everyone: {data.get('line', '')}"
    if broadcast.kind == BroadcastKind.PAUSE:
        return "The instructor paused everyone's clock"
    if broadcast.kind == BroadcastKind.RESUME:
        return "The instructor resumed everyone's clock"
    if broadcast.kind == BroadcastKind.RESET:
        return "The instructor reset everyone's lab"
    return ""


class Host(Protocol):
    """What a link's broadcasts need from the lab they land on."""

    def open_lesson(self, lesson_id: str, step: int | None) -> None: ...

    def run_line(self, line: str) -> Outcome | None: ...

    def reset(self) -> None: ...

    def say(self, caption: str) -> None: ...


class AttendeeLink:
    def __init__(
        self,
        store: ClassroomStore,
        classroom: Classroom,
        name: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Seated already (`ClassroomStore.join`): publishes as `name` in `classroom`."""
        self.store = store
        self.classroom = classroom
        self.code = classroom.code
        self.name = name
        self.clock = clock
        self.published: AttendeeState | None = None
        earlier = store.lesson_states(self.code, name)
        self.earlier = [state for _, state in earlier]
        """What the classroom kept of each lesson of this attendee's earlier visits."""
        self.restored_at, self.restored = earlier[-1] if earlier else (None, None)
        """When they were last on a lesson, and where (None: a first visit)."""
        self.heard = store.last_broadcast(self.code)
        self.watched = False
        self.problem: str | None = None
        """Why the last exchange with the classroom failed (None: it did not)."""
        self.rows_published = 0
        self._pending: list[tuple[str, float, Kind, dict[str, Any]]] = []
        self._beat_at = self.clock()
        self._picture_at = 0.0
        self._applying = False
        self._lab: Lab | None = None
        self._clashes_seen = (0, 0)  # the lab's conflicts and retries already published

    # -- what the lab tells -----------------------------------------------------------

    def attach(self, lab: Lab) -> None:
        """Watch `lab`'s lines (its rejected ones are published); a new lab replaces one."""
        if self._lab is lab:
            return
        self.detach()
        self._lab = lab
        self._clashes_seen = (lab.metrics.concurrency_conflicts, lab.metrics.retries)
        lab.line_observers.append(self.line_ran)

    def detach(self) -> None:
        if self._lab is not None and self.line_ran in self._lab.line_observers:
            self._lab.line_observers.remove(self.line_ran)
        self._lab = None

    def line_ran(self, outcome: Outcome) -> None:
        """Publish a rejected line, and a command that met another's version of a stream
        (retried, then accepted or refused): in a shared shop the projector lists them."""
        metrics = self._lab.metrics if self._lab is not None else None
        clashed = (0, 0)
        if metrics is not None:
            now = (metrics.concurrency_conflicts, metrics.retries)
            seen = self._clashes_seen  # a reset starts the counts again from 0
            clashed = (max(0, now[0] - seen[0]), max(0, now[1] - seen[1]))
            self._clashes_seen = now
        if self._applying:
            return
        data: dict[str, Any] = {"line": outcome.line.strip(), "message": outcome.message}
        if outcome.kind == "command":
            data |= {"command": True, "code": outcome.code}
        if clashed[0]:
            data |= {"conflicts": clashed[0], "retries": clashed[1]}
        if not outcome.ok:
            self._pending.append((self.name, self.clock(), Kind.REJECTED, data))
        elif clashed[0]:
            self._pending.append((self.name, self.clock(), Kind.CONFLICT, data))

    def notice(self, state: AttendeeState) -> bool:
        """Queue a state row if `state` is not what was published last."""
        if state == self.published:
            return False
        self.published = state
        self._pending.append((self.name, self.clock(), Kind.STATE, state.to_json()))
        return True

    def flush(self) -> int:
        """Publish what is queued; rows stay queued if the classroom cannot be reached."""
        if not self._pending:
            return 0
        try:
            self.store.publish(self.code, self._pending)
        except StoreError as error:
            self.problem = str(error)
            return 0
        count = len(self._pending)
        self.rows_published += count
        self._pending = []
        self.problem = None
        return count

    # -- the exchange, a few times a second ---------------------------------------------

    def tick(self, state: AttendeeState, lab: Lab | None = None) -> list[Broadcast]:
        """Publish what changed; return the broadcasts this attendee has to apply."""
        self.notice(state)
        self.flush()
        now = self.clock()
        try:
            if now - self._beat_at >= HEARTBEAT_EVERY:
                self._beat_at = now
                self.store.heartbeat(self.code, self.name)
            heard = self._hear()
            if self.watched and lab is not None and now - self._picture_at >= PICTURE_EVERY:
                self._picture_at = now
                self.store.put_picture(self.code, self.name, lab_picture(lab, self.name))
        except StoreError as error:
            self.problem = str(error)
            return []
        return heard

    def _hear(self) -> list[Broadcast]:
        mine = []
        for broadcast in self.store.broadcasts_after(self.code, self.heard):
            self.heard = broadcast.seq
            if broadcast.target not in (None, self.name):
                continue
            if broadcast.kind == BroadcastKind.WATCH:
                self.watched, self._picture_at = True, 0.0
            elif broadcast.kind == BroadcastKind.UNWATCH:
                self.watched = False
            else:
                mine.append(broadcast)
        return mine

    def last_lesson_broadcast(self) -> Broadcast | None:
        """The lesson the instructor last opened for everyone (a latecomer opens it too)."""
        lessons = [
            broadcast
            for broadcast in self.store.broadcasts_after(self.code, 0)
            if broadcast.kind == BroadcastKind.LESSON and broadcast.target in (None, self.name)
        ]
        return lessons[-1] if lessons else None

    def apply_broadcast(self, broadcast: Broadcast, host: Host) -> None:
        """Do what the instructor asked on the host's lab, and say so in a caption. The
        host's lines run as the attendee's would, but a refusal is not theirs to count."""
        data = broadcast.data
        self._applying = True
        try:
            if broadcast.kind == BroadcastKind.LESSON:
                step = data.get("step")
                host.open_lesson(str(data["lesson"]), None if step is None else int(step))
            elif broadcast.kind == BroadcastKind.LINE:
                host.run_line(str(data["line"]).replace(NAME_FIELD, self.name))
            elif broadcast.kind in (BroadcastKind.PAUSE, BroadcastKind.RESUME):
                host.run_line(broadcast.kind)
            elif broadcast.kind == BroadcastKind.RESET:
                host.reset()
        finally:
            self._applying = False
        if caption := describe(broadcast):
            host.say(caption)

    def leave(self) -> None:
        """Publish what is left and say the attendee left (quietly if the server is gone)."""
        self.detach()
        self.flush()
        try:
            self.store.leave(self.code, self.name)
        except StoreError as error:
            self.problem = str(error)
