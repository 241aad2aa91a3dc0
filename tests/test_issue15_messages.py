"""Issue 15.4's smaller fixes, headless: messages say what they mean."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from cqrs_lab import script as sc
from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute, rounded

SHOP = (
    "register alice alice@example.com s3cret-pass",
    'add-product mug "Blue mug" 12.50 10',
    "add-to-cart alice mug 2",
    "place-order alice",
    "pay last",
)


@pytest.fixture
def lab() -> Iterator[Lab]:
    lab = Lab.open(":memory:", seed=7, password_cost=2)
    for line in SHOP:
        assert execute(lab, line).ok, line
    yield lab
    lab.close()


def test_a_query_for_an_unknown_user_says_so(lab: Lab) -> None:
    for view in ("orders", "cart"):
        answer = execute(lab, f"query {view} bob")
        assert "no user named bob has registered" in answer.message
        assert answer.data["unknown_user"] is True
    execute(lab, "register carol carol@example.com s3cret-pass")
    known = execute(lab, "query orders carol --crud")
    assert "(none)" in known.message and "unknown_user" not in known.data


def test_money_in_a_summary_is_money(lab: Lab) -> None:
    execute(lab, "settle")
    sales = execute(lab, "query sales").message
    assert "revenue=25.00" in sales and "_cents" not in sales
    assert "total=" in execute(lab, "query cart alice --crud").message


def test_a_wait_is_rounded(lab: Lab) -> None:
    message = execute(lab, "query orders alice --wait").message
    waited = re.search(r"waited (\S+?)\]", message)
    assert waited is not None
    assert re.fullmatch(r"\d+(ms|(\.\d{1,2})?s)", waited.group(1)), waited.group(1)


def test_rounded_durations() -> None:
    assert rounded(1.457459) == 1.46
    assert rounded(0.875117) == 0.875
    assert rounded(12.345) == 12.3


def test_an_empty_name_must_not_be_empty() -> None:
    with pytest.raises(sc.ScriptError, match="name: must not be empty"):
        sc.parse_line('add-product mug "" 1.00 5')


def test_settle_counts_one_delivery_in_the_singular() -> None:
    lab = Lab.open(":memory:", seed=7, password_cost=2)
    try:
        execute(lab, 'add-product mug "Blue mug" 12.50 10')
        assert execute(lab, "settle").message.endswith(": 1 delivery")
    finally:
        lab.close()


def test_the_metrics_count_a_loads_queries(lab: Lab) -> None:
    before = lab.metrics.queries.total()
    outcome = execute(lab, "load 40/s for 3s")
    assert outcome.ok, outcome.message
    said = re.search(r"([\d,]+) queries \(([\d,]+) stale\)", outcome.message)
    assert said is not None, outcome.message
    queries, stale = (int(n.replace(",", "")) for n in said.groups())
    assert queries > 0
    assert lab.metrics.queries.total() - before == queries
    assert lab.metrics.stale_reads.total() >= stale
