"""A learner's progress through the lessons, kept as JSON in the user data directory.

Per lesson: each step solved (the learner met the goal) or shown ("show me" played the
solution), and the step the learner is on. Writes are atomic (a temporary file, then
`os.replace`), so a crash never leaves half a file. A damaged file is moved aside with a
clear notice and progress starts afresh; nothing here raises for a bad file or a full disk.
Two labs on one data folder (two terminals, say) keep each other's progress: every change
takes a lock beside the file, re-reads it and applies itself to what is there.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Literal

try:
    import fcntl
except ImportError:  # not on Windows: saves there are atomic, but not merged
    fcntl = None  # type: ignore[assignment]

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cqrs_lab.lessons.model import Lesson
from cqrs_lab.store.database import data_dir

PROGRESS_FILE = "lesson-progress.json"


class StepMark(StrEnum):
    SOLVED = "solved"
    SHOWN = "shown"


class LessonStatus(StrEnum):
    NEW = "new"
    STARTED = "started"
    DONE = "done"


class _LessonRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    steps: dict[int, StepMark] = Field(default_factory=dict)
    """Step number (from 1) -> mark."""
    current: int = Field(default=1, ge=1)
    """The step the learner is on, counted from 1."""


class _ProgressFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = 1
    lessons: dict[str, _LessonRecord] = Field(default_factory=dict)


def default_path() -> Path:
    """The progress file in the user data directory ($CQRS_LAB_DATA_DIR wins)."""
    return data_dir() / PROGRESS_FILE


class Progress:
    """Load with `Progress.load()`; every change is saved at once."""

    def __init__(self, path: Path, data: _ProgressFile, notice: str | None = None) -> None:
        self.path = path
        self._data = data
        self.notice = notice
        """Something the learner should be told (a damaged file moved aside, a failed save)."""

    @classmethod
    def load(cls, path: Path | None = None) -> Progress:
        path = path or default_path()
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError:
            return cls(path, _ProgressFile())
        except UnicodeDecodeError:
            return cls(path, _ProgressFile(), _move_aside(path, "it is not UTF-8 text"))
        except OSError as error:
            return cls(path, _ProgressFile(), _unreadable(path, error))
        try:
            return cls(path, _ProgressFile.model_validate(json.loads(text)))
        except (json.JSONDecodeError, ValidationError) as error:
            reason = (
                "it is not valid JSON"
                if isinstance(error, json.JSONDecodeError)
                else ("it does not hold lesson progress")
            )
            return cls(path, _ProgressFile(), _move_aside(path, reason))

    # -- reading --------------------------------------------------------------------

    def mark(self, lesson_id: str, index: int) -> StepMark | None:
        """How step `index` (from 0) was completed, or None."""
        record = self._data.lessons.get(lesson_id)
        return record.steps.get(index + 1) if record else None

    def current(self, lesson_id: str) -> int:
        """The step (from 0) the learner was last on."""
        record = self._data.lessons.get(lesson_id)
        return record.current - 1 if record else 0

    def status(self, lesson: Lesson) -> LessonStatus:
        record = self._data.lessons.get(lesson.id)
        if record is None:
            return LessonStatus.NEW
        if all(number in record.steps for number in range(1, len(lesson.steps) + 1)):
            return LessonStatus.DONE
        return LessonStatus.STARTED

    def marks(self, lesson: Lesson) -> tuple[int, int]:
        """(steps solved, steps shown with "show me") of `lesson`."""
        record = self._data.lessons.get(lesson.id)
        marks = list(record.steps.values()) if record else []
        return marks.count(StepMark.SOLVED), marks.count(StepMark.SHOWN)

    # -- changing -------------------------------------------------------------------

    def record(self, lesson_id: str, index: int, mark: StepMark) -> None:
        """Note step `index` (from 0) as solved or shown; solved is never downgraded."""

        def edit(data: _ProgressFile) -> None:
            record = data.lessons.setdefault(lesson_id, _LessonRecord())
            if record.steps.get(index + 1) is not StepMark.SOLVED:
                record.steps[index + 1] = mark

        self._change(edit)

    def set_current(self, lesson_id: str, index: int) -> None:
        def edit(data: _ProgressFile) -> None:
            data.lessons.setdefault(lesson_id, _LessonRecord()).current = index + 1

        self._change(edit)

    def forget(self, lesson_id: str) -> None:
        """Start a lesson over."""
        if lesson_id in self._data.lessons:
            self._change(lambda data: data.lessons.pop(lesson_id, None))

    def _change(self, edit: Callable[[_ProgressFile], object]) -> None:
        """Apply `edit` here, then to the file as it is now, under a lock: another lab on the
        same data folder may have saved since we read it, and its progress is kept."""
        edit(self._data)
        try:
            with _locked(self.path):
                fresh = _read_valid(self.path)
                if fresh is not None:
                    edit(fresh)
                    self._data = fresh
                self.save()
        except OSError as error:
            self.notice = f"could not save your lesson progress to {self.path}: {error}"

    def save(self) -> bool:
        """Write the file atomically; on failure keep going and set `notice`."""
        text = self._data.model_dump_json(indent=2) + "\n"
        temporary: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".progress-")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except OSError as error:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            self.notice = f"could not save your lesson progress to {self.path}: {error}"
            return False
        return True


def lock_path(path: Path) -> Path:
    """The lock file beside the progress file (kept: removing it would race another lab)."""
    return path.with_name(f".{path.name}.lock")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock beside `path` for a read-change-write (where the system has one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path(path), "a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _read_valid(path: Path) -> _ProgressFile | None:
    """The file's progress now, or None if it is missing or cannot be used as it is."""
    try:
        return _ProgressFile.model_validate(json.loads(path.read_text("utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValidationError):
        return None


def _unreadable(path: Path, error: Exception) -> str:
    return f"could not read your lesson progress from {path} ({error}); starting afresh"


def _move_aside(path: Path, reason: str) -> str:
    """Move a damaged file to a free name next to it; say what happened."""
    damaged = f"your lesson progress file {path} is damaged ({reason})"
    for number in range(1, 100):
        aside = path.with_name(path.name + (".damaged" if number == 1 else f".damaged-{number}"))
        if aside.exists():
            continue
        try:
            path.rename(aside)
        except OSError as error:
            return f"{damaged} and could not be moved aside ({error}); starting afresh"
        return f"{damaged}: it was moved to {aside} and your progress starts afresh"
    return f"{damaged}; starting afresh"
