"""Property tests of the services' lines (issue 18): whatever follows their words, a line
parses to its action or is refused with one ScriptError, never another exception; valid
lines read back what they say."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqrs_lab.script import ScriptError, SetCapacity, SetFaults, SetLatency, parse_line
from cqrs_lab.script.service_actions import (
    SERVICE_LANES,
    DeclinePayments,
    QueryCheckouts,
    ServiceLaneSetting,
)
from cqrs_lab.services.messages import LANE_ENDS

SETTINGS = {"latency": SetLatency, "faults": SetFaults, "capacity": SetCapacity}
"""The setting each lane line gives, for a view's lane and a lane between services alike."""
WORDS = ("services", "outbox", "crash", "payments", "query checkout", "query checkouts")
TAIL = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


def test_the_parser_and_the_services_name_the_same_lanes() -> None:
    assert tuple(LANE_ENDS) == SERVICE_LANES


@given(st.sampled_from(WORDS), TAIL)
def test_a_services_line_parses_or_says_why(word: str, tail: str) -> None:
    try:
        parse_line(f"{word} {tail}")
    except ScriptError as error:
        assert str(error) and "\n" not in str(error)


@given(st.floats(0, 1, allow_nan=False))
def test_a_decline_rate_from_0_to_1_reads_back(rate: float) -> None:
    assert parse_line(f"payments decline rate {rate!r}") == DeclinePayments(rate)


@given(st.floats(allow_nan=False).filter(lambda rate: not 0 <= rate <= 1))
def test_a_decline_rate_outside_0_to_1_is_refused(rate: float) -> None:
    with pytest.raises(ScriptError, match="not a rate from 0 to 1"):
        parse_line(f"payments decline rate {rate!r}")


@given(st.sampled_from(SERVICE_LANES), st.sampled_from(("latency", "faults", "capacity")), TAIL)
def test_a_lane_between_services_takes_the_lane_lines(lane: str, verb: str, tail: str) -> None:
    try:
        action = parse_line(f"{verb} {lane} {tail}")
    except ScriptError:
        return
    assert isinstance(action, ServiceLaneSetting) and action.setting.lane == lane
    assert isinstance(action.setting, SETTINGS[verb])


@given(st.from_regex(r"o[1-9][0-9]{0,5}", fullmatch=True))
def test_query_checkout_reads_its_order(order_id: str) -> None:
    assert parse_line(f"query checkout {order_id}") == QueryCheckouts(order_id)
