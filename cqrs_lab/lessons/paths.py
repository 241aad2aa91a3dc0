"""Where the lessons are: $CQRS_LAB_LESSONS, else the repository's lessons/ folder next to
the package, else ./lessons."""

from __future__ import annotations

import os
from pathlib import Path

LESSONS_ENV = "CQRS_LAB_LESSONS"
_PACKAGED = Path(__file__).resolve().parents[2] / "lessons"


def lessons_dir() -> Path:
    configured = os.environ.get(LESSONS_ENV)
    if configured:
        return Path(configured).expanduser()
    if _PACKAGED.is_dir():
        return _PACKAGED
    return Path("lessons")
