"""The one folder lab lines may write files in.

A lab line comes from whoever types in the command bar, and under `cqrs-lab serve` that is a
browser visitor, so `export NAME` must not be a way to write anywhere else. NAME is taken
relative to the folder; an absolute path, `~`, a `..` part, a link, a device or another
program's file are refused with one message. A file is written whole to a new temporary
file in the same folder and renamed over its target, so nothing is ever half-written and
the only file ever replaced is an earlier recording.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath

from cqrs_lab.lab.errors import LabError
from cqrs_lab.store.database import data_dir

EXPORTS = "exports"
"""The folder's name in the user data directory."""

_FOLDER_MODE = 0o700


class FileRefused(LabError):
    """A file name a lab line may not write to; the message says why and where it may."""


def default_export_folder() -> ExportFolder:
    return ExportFolder(data_dir() / EXPORTS)


@dataclass(frozen=True, slots=True)
class ExportFolder:
    """The folder at `root`, as lab lines may write in it."""

    root: Path

    def target(self, name: str, *, may_replace: Callable[[Path], bool]) -> Path:
        """The file `name` stands for inside the folder, its parents created; a FileRefused
        if it would lie outside, or names something `may_replace` does not accept."""
        relative = self._relative(name)
        root = self._created(self.root)
        target = root / relative
        if not target.resolve().is_relative_to(root):
            raise self._refused(name, "it leads out of the folder through a link")
        self._created(target.parent)
        try:
            status = target.lstat()
        except FileNotFoundError:
            return target
        except OSError as error:
            raise self._refused(name, error.strerror or str(error)) from None
        if stat.S_ISLNK(status.st_mode):
            raise self._refused(name, "it is a link")
        if not stat.S_ISREG(status.st_mode):
            raise self._refused(name, "it is not a regular file")
        if not may_replace(target):
            raise self._refused(name, "a file of another program is there")
        return target

    def _relative(self, name: str) -> PurePath:
        path = PurePath(name)
        if "\0" in name or not name.strip():
            raise self._refused(name, "it is not a file name")
        if path.is_absolute() or path.drive or path.root or name.startswith("~"):
            raise self._refused(name, "give a name inside the folder, not a full path")
        if ".." in path.parts:
            raise self._refused(name, "'..' may not leave the folder")
        return path

    def _created(self, folder: Path) -> Path:
        try:
            folder.mkdir(mode=_FOLDER_MODE, parents=True, exist_ok=True)
        except OSError as error:
            raise FileRefused(f"cannot create {folder}: {error.strerror or error}") from None
        return folder.resolve()

    def _refused(self, name: str, why: str) -> FileRefused:
        return FileRefused(f"cannot write {name!r}: {why}; files go to {os.fspath(self.root)}")
