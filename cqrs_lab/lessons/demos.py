"""Demos by name: the lab scripts in the `demos/` folder of the shipped course (and of each
extra lesson folder), found through importlib.resources like the lessons."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable

from cqrs_lab.lessons.sources import LessonFolder, lesson_folders

DEMOS = "demos"
SUFFIX = ".lab"
_TITLE_PREFIX = "demo:"


@dataclass(frozen=True, slots=True)
class Demo:
    """A demo script of a lesson folder (its `demos/`)."""

    name: str
    """The file name without `.lab`: what `cqrs-lab demo NAME` takes."""
    file: Traversable
    folder: LessonFolder

    def read(self) -> str:
        return self.file.read_text("utf-8")


def find_demos(folders: Sequence[LessonFolder] | None = None) -> tuple[Demo, ...]:
    """Every demo, by name; a name already found in an earlier folder is kept from there."""
    found: dict[str, Demo] = {}
    for folder in lesson_folders() if folders is None else folders:
        for file in _demo_files(folder.root / DEMOS):
            found.setdefault(file.name.removesuffix(SUFFIX), Demo("", file, folder))
    return tuple(Demo(name, demo.file, demo.folder) for name, demo in found.items())


def _demo_files(where: Traversable) -> list[Traversable]:
    try:
        if not where.is_dir():
            return []
        files = [f for f in where.iterdir() if f.name.endswith(SUFFIX) and f.is_file()]
    except OSError:
        return []
    return sorted((f for f in files if not f.name.startswith(".")), key=lambda f: f.name)


def find_demo(demos: Sequence[Demo], name: str) -> Demo | None:
    """The demo called `name` (with or without `.lab`)."""
    wanted = name.removesuffix(SUFFIX)
    return next((demo for demo in demos if demo.name == wanted), None)


def close_names(demos: Sequence[Demo], name: str) -> list[str]:
    """Demo names like `name`: a misspelling, or the start of one."""
    names = [demo.name for demo in demos]
    wanted = name.removesuffix(SUFFIX)
    close = difflib.get_close_matches(wanted, names, n=1, cutoff=0.5)
    return close or [each for each in names if each.startswith(wanted)][:1]


def demo_title(text: str) -> str:
    """What a demo shows: its first comment line (without `Demo:`), else its first caption."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") and stripped.lstrip("#").strip():
            title = stripped.lstrip("#").strip()
            if title.lower().startswith(_TITLE_PREFIX):
                title = title[len(_TITLE_PREFIX) :].strip()
            title = title.rstrip(".")
            return title[:1].upper() + title[1:]
        if stripped:
            break
    return _first_caption(text)


def _first_caption(text: str) -> str:
    from cqrs_lab.script import Say, ScriptErrors, parse_script

    try:
        actions = parse_script(text)
    except ScriptErrors:
        return ""
    return next((action.text for _, action in actions if isinstance(action, Say)), "")
