"""The glossary shipped with the course (`lessons/GLOSSARY.md`): the lab's words beside the
industry's, read from the file's one table so the help screen and the file never differ."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cqrs_lab.lessons.sources import shipped_course

GLOSSARY_FILE = "GLOSSARY.md"
_CELL_RULE = re.compile(r"(?<!\\)\|")


@dataclass(frozen=True, slots=True)
class Term:
    """One row of the glossary: the lab's word, the industry's, and what it means."""

    lab: str
    industry: str
    meaning: str


def parse_glossary(text: str) -> tuple[Term, ...]:
    """The rows of the markdown table in `text`, its header and rule left out. A `|` inside
    a cell is written `\\|`, as GitHub's tables want it."""
    rows = [line.strip() for line in text.splitlines() if line.startswith("|")]
    terms = []
    for row in rows[2:]:
        inner = row.removeprefix("|").removesuffix("|")
        cells = [cell.strip().replace("\\|", "|") for cell in _CELL_RULE.split(inner)]
        if len(cells) == 3:
            terms.append(Term(*cells))
    return tuple(terms)


def shipped_glossary() -> tuple[Term, ...]:
    """The course's glossary; empty if the file is missing (a trimmed install)."""
    source = shipped_course() / GLOSSARY_FILE
    if not source.is_file():
        return ()
    return parse_glossary(source.read_text("utf-8"))
