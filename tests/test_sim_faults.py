from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqrs_lab.sim import Faults, FaultSpecError, parse_faults
from tests.spec_errors import refusal


def test_parses_fault_tokens() -> None:
    faults = parse_faults(["drop=0.1", "dup=0.05", "reorder=on", "lost=on", "timeout=2s"])
    assert faults == Faults(drop=0.1, dup=0.05, reorder=True, lost=True, redelivery_timeout=2.0)


def test_tokens_apply_in_order_on_top_of_a_base() -> None:
    base = Faults(drop=0.2, reorder=True)
    assert parse_faults(["dup=0.5", "reorder=off"], base) == Faults(drop=0.2, dup=0.5)
    assert parse_faults(["drop=0.3", "none", "dup=0.1"], base) == Faults(dup=0.1)
    assert parse_faults(["OFF"], base) == Faults()
    assert parse_faults([], base) == base


def test_a_single_string_is_split_into_tokens() -> None:
    assert parse_faults("drop=0.1 reorder=on") == Faults(drop=0.1, reorder=True)


@pytest.mark.parametrize(
    ("faults", "text"),
    [
        (Faults(), "none"),
        (
            Faults(drop=0.1, dup=0.05, reorder=True, lost=True),
            "drop=0.1 dup=0.05 reorder=on lost=on",
        ),
        (Faults(drop=1.0, redelivery_timeout=2.5), "drop=1 timeout=2.5s"),
        (Faults(redelivery_timeout=0.5), "timeout=500ms"),
    ],
)
def test_str_is_canonical(faults: Faults, text: str) -> None:
    assert str(faults) == text


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("drop", "NAME=VALUE"),
        ("drop=", "not a number"),
        ("drop=1.5", "probability"),
        ("dup=-0.1", "probability"),
        ("dup=nan", "probability"),
        ("reorder=yes", "neither on nor off"),
        ("lost=1", "neither on nor off"),
        ("timeout=0", "at least 1ms"),
        ("timeout=soon", "not a duration"),
        ("delay=1s", "unknown fault"),
    ],
)
def test_rejects_bad_tokens_naming_the_token_and_the_accepted_ones(token: str, reason: str) -> None:
    message = refusal(FaultSpecError, reason, token, lambda: parse_faults(["drop=0.1", token]))
    assert "reorder=on|off" in message


@pytest.mark.parametrize(
    "kwargs",
    [
        {"drop": -0.1},
        {"dup": 1.1},
        {"redelivery_timeout": 0.0},
        {"redelivery_timeout": float("inf")},
    ],
)
def test_faults_validate_themselves(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Faults(**kwargs)


probabilities = st.floats(min_value=0, max_value=1)
faults = st.builds(
    Faults,
    drop=probabilities,
    lost=st.booleans(),
    dup=probabilities,
    reorder=st.booleans(),
    redelivery_timeout=st.integers(1000, 10**10).map(lambda us: us / 1_000_000),
)


@given(faults)
def test_faults_round_trip_through_their_text(value: Faults) -> None:
    assert parse_faults(str(value).split()) == value


@given(st.lists(st.text()))
def test_any_tokens_give_faults_or_a_fault_spec_error(tokens: list[str]) -> None:
    with contextlib.suppress(FaultSpecError):
        parse_faults(tokens)


@given(
    st.lists(
        st.from_regex(
            r"\A(drop|dup|reorder|lost|timeout|none|off|x)(=(on|off|-?[0-9.]{0,4}(ms|s|%)?))?\Z"
        )
    )
)
def test_near_tokens_give_a_stable_canonical_text(tokens: list[str]) -> None:
    try:
        parsed = parse_faults(tokens)
    except FaultSpecError:
        return
    assert str(parse_faults(str(parsed))) == str(parsed)
