"""`ratio_figure`: the figure it builds is the one the bench steps wrote out by hand."""

from __future__ import annotations

import pytest

from cqrs_lab.bench.harness import Figure, Target, ratio_figure


def test_a_ratio_figure_is_judged_on_its_ratio_and_flattens_under_its_three_keys() -> None:
    figure = ratio_figure(
        "simulate", 3.0, "s", "a loop", 0.5, at_most=30, keys=("v", "b", "r"), note="n"
    )
    assert figure == Figure(
        "simulate",
        3.0,
        "s",
        "a loop",
        0.5,
        Target(30, at_least=False, on_ratio=True),
        {"v": "value", "b": "baseline", "r": "ratio"},
        note="n",
    )
    assert figure.flat() == {"v": 3.0, "b": 0.5, "r": 6.0} and figure.met


def test_at_least_and_the_extra_numbers() -> None:
    figure = ratio_figure(
        "send", 10.0, "/s", "anchor", 4.0, at_least=2.0, keys=("v", "b", "r"), extra={"x": 1.0}
    )
    assert figure.target == Target(2.0, at_least=True, on_ratio=True)
    assert figure.flat() == {"v": 10.0, "b": 4.0, "r": 2.5, "x": 1.0} and figure.met


@pytest.mark.parametrize(("at_least", "at_most"), [(None, None), (1.0, 2.0)])
def test_a_ratio_figure_takes_one_limit(at_least: float | None, at_most: float | None) -> None:
    with pytest.raises(ValueError, match="give one"):
        ratio_figure(
            "f", 1.0, "s", "b", 1.0, at_least=at_least, at_most=at_most, keys=("v", "b", "r")
        )
