"""lessons/AUTHORING.md is checked against the lab: every lab line is in its table, and its
tables of the events each command appends and the lanes each event type travels are what
a live lab does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cqrs_lab.lab.interpreter import execute
from cqrs_lab.read.registry import create_projections
from cqrs_lab.script import COMMAND_WORDS
from cqrs_lab.shop.events import EVENT_TYPES
from tests.lab_helpers import new_lab

GUIDE = Path(__file__).parent.parent / "lessons" / "AUTHORING.md"
SHOP = """seed 1
register alice alice@example.com s3cret-pass
add-product mug "Blue mug" 12.50 10
add-product tea "Green tea" 4.00 10
add-to-cart alice mug 2
add-to-cart alice tea 1
"""
PLAYED = {
    "register": "register bob bob@example.com s3cret-pass",
    "add-product": 'add-product pen "Pen" 1.00 5',
    "restock": "restock mug 3",
    "add-to-cart": "add-to-cart alice mug 1",
    "remove-from-cart": "remove-from-cart alice tea",
    "place-order": "place-order alice",
    "pay": "pay o1",
    "ship": "ship o1",
    "cancel": "cancel o2",
}
"""Each shop command, played in this order on SHOP (o2 is placed before cancel)."""


def table(heading: str) -> list[list[str]]:
    """The rows of the first table after `heading`, cells stripped of backticks."""
    text = GUIDE.read_text("utf-8")
    section = text[text.index(heading) :]
    rows = []
    for line in section.splitlines():
        if line.startswith("|---"):
            continue
        if line.startswith("|"):  # cells split on " | ": `inline|async` stays one cell
            cells = line.strip().strip("|").split(" | ")
            rows.append([cell.strip().replace("`", "") for cell in cells])
        elif rows:
            break
    return rows[1:]


def test_every_lab_line_is_in_the_guide() -> None:
    lines = " ".join(row[0] for row in table("## Lab lines and what refuses them"))
    words = set(re.findall(r"(?:^|,\s*|\s)([a-z][a-z-]+)(?= |,|$)", lines))
    assert set(COMMAND_WORDS) <= words, set(COMMAND_WORDS) - words


def _appended() -> dict[str, list[str]]:
    """verb -> the event types it appended, on a live lab."""
    lab = new_lab()
    try:
        for line in SHOP.splitlines():
            assert execute(lab, line).ok, line
        seen: dict[str, list[str]] = {}
        for verb, line in PLAYED.items():
            if verb == "cancel":
                assert execute(lab, "add-to-cart alice tea 1").ok
                assert execute(lab, "place-order alice").ok
            head = lab.head
            outcome = execute(lab, line)
            assert outcome.ok, (line, outcome.message)
            seen[verb] = [event.type for event in lab.store.read_all(after=head, limit=100)]
        return seen
    finally:
        lab.close()


def _collapse(types: list[str]) -> str:
    """OrderPlaced, StockReserved, StockReserved, CartCheckedOut -> the guide's wording."""
    words: list[str] = []
    for kind in types:
        each = f"one {kind} per product"
        if kind in ("StockReserved", "StockReleased"):
            if each not in words:
                words.append(each)
        else:
            words.append(kind)
    return ", ".join(words)


def test_the_events_each_command_appends_are_the_guides() -> None:
    rows = {row[0]: row[1] for row in table("| command | events appended")}
    appended = _appended()
    assert set(rows) == set(appended)
    for verb, types in appended.items():
        assert rows[verb] == _collapse(types), verb


def test_the_lanes_each_event_type_travels_are_the_guides() -> None:
    handles = {name: p.handles for name, p in create_projections().items()}
    guide: dict[str, str] = {}
    for types, lanes in table("| event type | lanes |"):
        for kind in types.split(", "):
            guide[kind] = lanes
    assert set(guide) == set(EVENT_TYPES)
    for kind in EVENT_TYPES:
        lanes = [name for name, handled in handles.items() if kind in handled]
        assert guide[kind] == (", ".join(lanes) or "none"), kind


@pytest.mark.parametrize("word", ["username_taken", "order_closed", "not_paid", "already_paid"])
def test_the_rules_name_the_error_codes(word: str) -> None:
    assert word in GUIDE.read_text("utf-8")
