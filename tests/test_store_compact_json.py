"""The store's compact JSON is the standard library's compact encoding, byte for byte."""

import json
import math

import pytest

from cqrs_lab.store.compact_json import dumps

STANDARD = json.JSONEncoder(separators=(",", ":")).encode

SAMPLES = [
    {},
    {"sku": "mug", "quantity": 3},
    {"name": "Crème brûlée ☕", "note": 'quote " and \\ and \n'},
    {"lines": [{"sku": "a", "quantity": 1, "unit_price_cents": 250}], "total_cents": 250},
    {"price": 0.1, "big": 10**30, "negative": -2.5e-8, "flag": True, "none": None},
    {"nan": math.nan, "inf": math.inf, "minus_inf": -math.inf},
    {"nested": {"deeper": [[1, 2], {"k": "v"}]}, "order": "kept", "a": 1},
]


@pytest.mark.parametrize("data", SAMPLES)
def test_the_same_text_as_the_standard_compact_encoder(data: dict) -> None:
    assert dumps(data) == STANDARD(data)


def test_what_json_cannot_hold_is_refused_as_before() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps({"when": object()})


def test_a_refused_encoding_leaves_the_next_one_sound() -> None:
    shared = {"sku": "mug"}
    with pytest.raises(TypeError):
        dumps({"a": shared, "b": object()})
    assert dumps({"a": shared, "b": shared}) == '{"a":{"sku":"mug"},"b":{"sku":"mug"}}'
