from __future__ import annotations

import contextlib
import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqrs_lab import sim
from tests.spec_errors import refusal

SAMPLES = 10_000


@pytest.mark.parametrize(
    "model",
    [sim.Fixed(1.0), sim.Uniform(0.1, 2.0), sim.Exponential(0.8), sim.LogNormal(0.3, 0.8)],
    ids=str,
)
def test_sample_mean_is_within_3_percent_of_the_declared_mean(model: sim.LatencyModel) -> None:
    rng = random.Random(20240611)
    samples = [model.sample(rng) for _ in range(SAMPLES)]
    assert min(samples) >= 0
    assert sum(samples) / SAMPLES == pytest.approx(model.mean, rel=0.03)


def test_exponential_samples_pass_kolmogorov_smirnov_at_1_percent() -> None:
    model = sim.Exponential(0.8)
    rng = random.Random(7)
    samples = sorted(model.sample(rng) for _ in range(SAMPLES))
    cdf = [1 - math.exp(-x / model.mean) for x in samples]
    d = max(max((i + 1) / SAMPLES - f, f - i / SAMPLES) for i, f in enumerate(cdf))
    assert d < 1.628 / math.sqrt(SAMPLES)


def test_declared_means() -> None:
    assert sim.Zero().mean == 0.0
    assert sim.Fixed(1.5).mean == 1.5
    assert sim.Uniform(1.0, 3.0).mean == 2.0
    assert sim.Exponential(0.8).mean == 0.8
    assert sim.LogNormal(0.3, 0.8).mean == pytest.approx(0.3 * math.exp(0.32))


def test_zero_and_fixed_draw_nothing_from_the_rng() -> None:
    rng = random.Random(1)
    state = rng.getstate()
    assert sim.Zero().sample(rng) == 0.0
    assert sim.Fixed(2.0).sample(rng) == 2.0
    assert rng.getstate() == state


@pytest.mark.parametrize(
    ("text", "model"),
    [
        ("zero", sim.Zero()),
        ("fixed:1s", sim.Fixed(1.0)),
        ("uniform:100ms..2s", sim.Uniform(0.1, 2.0)),
        ("exp:800ms", sim.Exponential(0.8)),
        ("lognormal:300ms,0.8", sim.LogNormal(0.3, 0.8)),
        (" EXP:1m ", sim.Exponential(60.0)),
        ("uniform:1s..1s", sim.Uniform(1.0, 1.0)),
        ("fixed:0", sim.Fixed(0.0)),
    ],
)
def test_parses_latency_specs(text: str, model: sim.LatencyModel) -> None:
    assert sim.parse_latency(text) == model


@pytest.mark.parametrize(
    ("model", "text"),
    [
        (sim.Zero(), "zero"),
        (sim.Fixed(1.0), "fixed:1s"),
        (sim.Uniform(0.1, 2.0), "uniform:100ms..2s"),
        (sim.Exponential(0.8), "exp:800ms"),
        (sim.LogNormal(0.3, 0.8), "lognormal:300ms,0.8"),
        (sim.LogNormal(1.0, 2), "lognormal:1s,2"),
    ],
)
def test_str_is_the_canonical_spec(model: sim.LatencyModel, text: str) -> None:
    assert str(model) == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "unknown kind"),
        ("gauss:1s", "unknown kind"),
        ("fixed", "not a duration"),
        ("fixed:-1s", "not a duration"),
        ("uniform:2s", "two durations"),
        ("uniform:2s..1s", "above the high bound"),
        ("exp:0", "above zero"),
        ("lognormal:300ms", "median and a sigma"),
        ("lognormal:300ms,0", "sigma"),
        ("lognormal:300ms,-1", "sigma"),
        ("lognormal:300ms,nan", "sigma"),
        ("lognormal:300ms,wide", "sigma"),
        ("lognormal:0s,1", "above zero"),
        ("3s", "did you mean fixed:3s?"),
    ],
)
def test_rejects_bad_specs_naming_the_text_and_the_accepted_forms(text: str, reason: str) -> None:
    message = refusal(sim.LatencySpecError, reason, text, lambda: sim.parse_latency(text))
    assert "uniform:100ms..2s" in message


@pytest.mark.parametrize("text", ["gauss:1s", "2", "fast"])
def test_guesses_fixed_only_for_a_bare_duration(text: str) -> None:
    with pytest.raises(sim.LatencySpecError) as refused:
        sim.parse_latency(text)
    assert "did you mean" not in str(refused.value)


@pytest.mark.parametrize(
    "build",
    [
        lambda: sim.Fixed(-1.0),
        lambda: sim.Fixed(math.inf),
        lambda: sim.Uniform(-1.0, 1.0),
        lambda: sim.Uniform(2.0, 1.0),
        lambda: sim.Exponential(0.0),
        lambda: sim.LogNormal(1.0, 0.0),
        lambda: sim.LogNormal(1.0, 50.0),
    ],
)
def test_models_validate_themselves(build) -> None:
    with pytest.raises(ValueError):
        build()


durations = st.integers(min_value=0, max_value=10**10).map(lambda us: us / 1_000_000)
positive = durations.filter(lambda s: s > 0)
models = st.one_of(
    st.just(sim.Zero()),
    st.builds(sim.Fixed, durations),
    st.tuples(durations, durations).map(lambda pair: sim.Uniform(*sorted(pair))),
    st.builds(sim.Exponential, positive),
    st.builds(sim.LogNormal, positive, st.floats(min_value=1e-6, max_value=5)),
)


@given(models)
def test_models_round_trip_through_their_spec(model: sim.LatencyModel) -> None:
    assert sim.parse_latency(str(model)) == model


@given(models, st.randoms(use_true_random=False))
def test_samples_are_never_negative(model: sim.LatencyModel, rng: random.Random) -> None:
    assert model.sample(rng) >= 0


@given(st.text())
def test_any_text_is_a_model_or_a_spec_error(text: str) -> None:
    with contextlib.suppress(sim.LatencySpecError):
        sim.parse_latency(text)


@given(
    st.from_regex(
        r"\A(zero|fixed|uniform|exp|lognormal|gauss)?:?"
        r"-?[0-9]{0,3}(\.[0-9]{1,2})?(ms|s|m|h)?(\.\.|,|\.)?-?[0-9e.]{0,4}(ms|s|m|h)?\Z"
    )
)
def test_near_specs_parse_to_a_stable_canonical_spec(text: str) -> None:
    try:
        model = sim.parse_latency(text)
    except sim.LatencySpecError:
        return
    canonical = str(model)
    assert str(sim.parse_latency(canonical)) == canonical
