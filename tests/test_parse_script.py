"""`parse_script`: a whole script, its lines numbered, blank and comment lines skipped, and
nothing at all when one line is wrong."""

from __future__ import annotations

import pytest

from cqrs_lab.script import ScriptErrors, SetLatency, parse_script
from cqrs_lab.sim.latency import Zero


def test_parse_script_numbers_actions_and_skips_blanks() -> None:
    script = (
        "\ufeff# demo\r\n"
        "register alice alice@example.com s3cret-pass\r\n"
        "\r\n"
        "add-product sku-1 'Blue mug' 12.50 10\n"
        "latency all zero   # no lag\n"
    )
    actions = parse_script(script)
    assert [line_no for line_no, _ in actions] == [2, 4, 5]
    assert actions[2][1] == SetLatency("all", Zero())


def test_parse_script_with_a_bad_line_returns_nothing() -> None:
    with pytest.raises(ScriptErrors) as caught:
        parse_script("pause\nresume now\nsettle")
    (only,) = caught.value.errors
    assert (only.line_no, only.column) == (2, 8)
    assert only.source_line == "resume now"


def test_parse_script_of_empty_text() -> None:
    assert parse_script("") == []


def test_design_example_parses() -> None:
    script = """
register alice alice@example.com s3cret-pass      # commands to the shop
login alice s3cret-pass
add-product sku-1 "Blue mug" 12.50 10
restock sku-1 5
add-to-cart alice sku-1 2
remove-from-cart alice sku-1
place-order alice                 # prints the new order id
pay last
cancel last
ship last
query catalog
query cart alice --crud
query orders alice --wait
query sales
latency orders exp:800ms          # fixed:1s, uniform:100ms..2s, exp:MEAN, lognormal:MEDIAN,SIGMA
latency orders lognormal:300ms,0.8
faults orders drop=0.1 dup=0.05 reorder=on
mode orders inline
mode orders async
pause
resume
step
speed 0.25
advance 5s
rebuild orders
load 20/s for 30s                 # Poisson workload
reset
"""
    assert len(parse_script(script)) == 27
