from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqrs_lab.sim import DurationError, format_duration, parse_duration
from tests.spec_errors import refusal


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("800ms", 0.8),
        ("2s", 2.0),
        ("1.5s", 1.5),
        ("10m", 600.0),
        ("1h", 3600.0),
        ("0", 0.0),
        ("1m30s", 90.0),
        ("1h0m0.25s", 3600.25),
        (" 2S ", 2.0),
    ],
)
def test_parses_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("2", "no unit"),
        ("-1s", "negative"),
        ("1s1m", "largest to smallest"),
        ("1s1s", "largest to smallest"),
        ("fast", "not a number"),
        ("1.s", "not a number"),
        ("1 s", "not a number"),
        ("200000h", "too long"),
    ],
)
def test_rejects_bad_durations_with_the_reason(text: str, reason: str) -> None:
    refusal(DurationError, reason, text, lambda: parse_duration(text))


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.8, "800ms"),
        (2.0, "2s"),
        (90, "1m30s"),
        (0, "0s"),
        (0.0015, "1.5ms"),
        (3661.5, "1h1m1.5s"),
        (7200, "2h"),
        (60.25, "1m0.25s"),
    ],
)
def test_formats_durations(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("seconds", [-1.0, float("inf"), float("nan")])
def test_format_rejects_non_durations(seconds: float) -> None:
    with pytest.raises(ValueError):
        format_duration(seconds)


@given(st.text())
def test_any_text_is_a_duration_or_a_duration_error(text: str) -> None:
    try:
        seconds = parse_duration(text)
    except DurationError:
        return
    assert seconds >= 0


@given(st.from_regex(r"\A-?[0-9]{0,3}(\.[0-9]{0,3})?(ms|s|m|h|x)?([0-9]{1,2}(ms|s|m|h))?\Z"))
def test_near_durations_parse_to_canonical_text(text: str) -> None:
    try:
        seconds = parse_duration(text)
    except DurationError:
        return
    canonical = format_duration(seconds)
    assert format_duration(parse_duration(canonical)) == canonical


@given(st.integers(min_value=0, max_value=10**14))
def test_microsecond_durations_round_trip_exactly(micros: int) -> None:
    seconds = micros / 1_000_000
    assert parse_duration(format_duration(seconds)) == seconds


@given(st.floats(min_value=0, max_value=1e8))
def test_formatting_is_stable(seconds: float) -> None:
    text = format_duration(seconds)
    assert format_duration(parse_duration(text)) == text
