"""The glossary the help screen shows is the course's GLOSSARY.md, row for row."""

from __future__ import annotations

from cqrs_lab.lessons.glossary import GLOSSARY_FILE, Term, parse_glossary, shipped_glossary
from cqrs_lab.lessons.sources import shipped_course


def test_a_table_row_is_a_term_and_an_escaped_bar_stays_in_its_cell() -> None:
    text = (
        "# Glossary\n\nSome prose | not a row.\n\n"
        "| the lab says | the industry says | what it is |\n"
        "|---|---|---|\n"
        "| lane | subscription | carries events |\n"
        "| `outbox on\\|off` | transactional outbox | messages saved with the state |\n"
    )
    assert parse_glossary(text) == (
        Term("lane", "subscription", "carries events"),
        Term("`outbox on|off`", "transactional outbox", "messages saved with the state"),
    )


def test_every_row_of_the_shipped_glossary_is_read() -> None:
    text = (shipped_course() / GLOSSARY_FILE).read_text("utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ")][1:]  # less the header
    terms = shipped_glossary()
    assert len(terms) == len(rows) >= 40
    labs = {term.lab for term in terms}
    assert {"lane", "checkpoint", "poison event", "inbox", "compensation"} <= labs
    assert all(term.industry and term.meaning for term in terms)
