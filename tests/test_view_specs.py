"""The views, declared once (`read/view_specs.py`), are what every layer uses."""

from __future__ import annotations

from cqrs_lab import script as sc
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.read.registry import CRUD_QUERIES, PROJECTION_TYPES, query_crud
from cqrs_lab.read.view_specs import DEFAULT_LATENCY, LANES, VIEW_NAMES, VIEW_SPECS, VIEW_WORDS
from cqrs_lab.sim.latency import parse_latency
from tests.lab_helpers import SHOP_SETUP, new_lab, run


def test_every_lane_has_its_projection_and_a_latency_that_parses() -> None:
    assert tuple(PROJECTION_TYPES) == LANES
    for lane, latency in DEFAULT_LATENCY.items():
        assert parse_latency(str(parse_latency(latency))) == parse_latency(latency), lane


def test_every_view_has_its_crud_twin_query_which_agrees_with_its_projection() -> None:
    assert tuple(CRUD_QUERIES) == VIEW_NAMES
    lab = new_lab()
    run(lab, SHOP_SETUP + "add-to-cart alice mug 1\nplace-order alice\nadd-to-cart alice mug 1")
    run(lab, "settle")
    with lab.store.reading() as connection:
        for spec in VIEW_SPECS:
            user = "alice" if spec.per_user else None
            twin = query_crud(connection, spec.name, user)
            assert twin == lab.projections[spec.lane].query(connection, user), spec.name
            assert twin.rows, spec.name
    lab.close()


def test_every_word_for_a_view_is_a_query_the_lab_answers() -> None:
    lab = new_lab()
    for word, view in VIEW_WORDS.items():
        spec = next(spec for spec in VIEW_SPECS if spec.name == view)
        line = f"query {word} alice" if spec.per_user else f"query {word}"
        action = sc.parse_line(line)
        assert isinstance(action, sc.Query) and action.view == view, line
        assert execute(lab, line).ok, line
    lab.close()


def test_a_new_lab_starts_each_lane_on_its_views_latency() -> None:
    lab = new_lab()
    assert lab.latencies == {lane: parse_latency(text) for lane, text in DEFAULT_LATENCY.items()}
    lab.close()
