"""Property tests: the parser never crashes, and generated valid lines round-trip."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from cqrs_lab.script import (
    COMMAND_WORDS,
    LANES,
    Action,
    Advance,
    Load,
    Login,
    Query,
    ScriptError,
    ScriptErrors,
    Send,
    SetLatency,
    Step,
    parse_line,
    parse_script,
    quote,
)
from cqrs_lab.shop.commands import (
    EMAIL_PATTERN,
    MAX_EMAIL_LENGTH,
    SKU_PATTERN,
    USERNAME_PATTERN,
    AddProduct,
    AddToCart,
    PlaceOrder,
    RegisterUser,
)
from cqrs_lab.shop.money import MAX_PRICE_CENTS, format_cents
from cqrs_lab.sim.durations import format_duration
from cqrs_lab.sim.latency import Exponential, Fixed, LogNormal, Uniform, Zero


def _typable(text: str) -> bool:
    return not any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") and c != "\t" for c in text)


usernames = st.from_regex(USERNAME_PATTERN, fullmatch=True)
skus = st.from_regex(SKU_PATTERN, fullmatch=True)
emails = st.from_regex(EMAIL_PATTERN, fullmatch=True).filter(
    lambda s: _typable(s) and len(s) <= MAX_EMAIL_LENGTH
)
passwords = st.text(min_size=8, max_size=128).filter(_typable)
names = st.text(min_size=1, max_size=80).filter(lambda s: s.isprintable() and bool(s.strip()))
cents = st.integers(1, MAX_PRICE_CENTS)
quantities = st.integers(1, 1_000)
lanes = st.sampled_from((*LANES, "all"))
durations = st.integers(0, 10**9).map(lambda us: us / 1_000_000)

# Words the language knows, so random lines reach deep into the parser, not only the
# "unknown command" branch.
_WORDS = (
    *COMMAND_WORDS,
    *LANES,
    "all",
    "last",
    "--crud",
    "--wait",
    ";",
    "for",
    "cart",
    "inline",
    "async",
    "wait",
    "catch-up",
    "alice",
    "sku-1",
    "12.50",
    "2",
    "5s",
    "exp:1s",
    "drop=0.1",
    '"Blue mug"',
    "a@b.co",
    "s3cret-pass",
    "20/s",
    "#",
)
word_lines = st.lists(st.sampled_from(_WORDS) | st.text(max_size=8), min_size=1, max_size=8).map(
    " ".join
)


def _parses_or_raises_script_error(text: str) -> Action | None:
    try:
        action = parse_line(text)
    except ScriptError as error:
        assert error.column >= 1
        str(error)
        error.caret()
        return None
    return action


@given(st.text())
def test_any_text_gives_an_action_none_or_a_script_error(text: str) -> None:
    _parses_or_raises_script_error(text)


@settings(max_examples=500)
@given(word_lines)
def test_any_mix_of_known_words_gives_an_action_none_or_a_script_error(text: str) -> None:
    _parses_or_raises_script_error(text)


@given(st.text())
def test_any_script_gives_actions_or_script_errors(text: str) -> None:
    try:
        parse_script(text)
    except ScriptErrors as errors:
        assert errors.errors
        assert all(error.line_no is not None for error in errors.errors)


@given(usernames, emails, passwords)
def test_register_round_trips(username: str, email: str, password: str) -> None:
    action = parse_line(f"register {username} {quote(email)} {quote(password)}")
    assert isinstance(action, Send)
    assert action.command_type is RegisterUser
    assert action.fields["username"] == username
    assert action.fields["email"] == email
    assert action.fields["password"].get_secret_value() == password
    assert repr(password) not in repr(action)


@given(usernames, st.text(min_size=1, max_size=60).filter(_typable))
def test_login_never_shows_the_password(username: str, password: str) -> None:
    action = parse_line(f"login {username} {quote(password)}")
    assert isinstance(action, Login)
    assert action.password.get_secret_value() == password
    assert repr(password) not in repr(action)


@given(
    st.from_regex(r"[A-Z]{4,7}", fullmatch=True),
    st.sampled_from(
        [
            "register alice alice@example.com {}",
            "register Alice alice@example.com {}",
            "register alice bad {} extra",
            "login Alice {}",
            "login alice {} more",
        ]
    ),
)
def test_bad_lines_never_show_the_password(password: str, template: str) -> None:
    try:
        parse_line(template.format(password), 1)
    except ScriptError as error:
        for shown in (str(error), repr(error), error.source_line, error.caret()):
            assert password not in shown
    else:
        raise AssertionError("expected a ScriptError")


@given(skus, names, cents, st.integers(0, 1_000_000))
def test_add_product_round_trips(sku: str, name: str, price: int, stock: int) -> None:
    action = parse_line(f"add-product {sku} {quote(name)} {format_cents(price)} {stock}")
    assert isinstance(action, Send)
    assert action.command_type is AddProduct
    assert dict(action.fields) == {"sku": sku, "name": name, "price_cents": price, "stock": stock}


@given(usernames, skus, quantities)
def test_add_to_cart_round_trips(username: str, sku: str, quantity: int) -> None:
    action = parse_line(f"add-to-cart {username} {sku} {quantity}")
    assert isinstance(action, Send)
    assert action.command_type is AddToCart
    assert dict(action.fields) == {"username": username, "sku": sku, "quantity": quantity}


@given(usernames, skus.filter(lambda s: s.lower() != "last"))
def test_place_order_round_trips(username: str, order_id: str) -> None:
    action = parse_line(f"place-order {username} {order_id}")
    assert isinstance(action, Send)
    assert action.command_type is PlaceOrder
    command = action.build()
    assert (command.username, command.order_id) == (username, order_id)


@given(
    st.sampled_from(["catalog", "sales", "cart", "orders"]),
    usernames,
    st.booleans(),
    st.none() | durations,
    st.booleans(),
)
def test_query_round_trips(
    view: str, username: str, crud: bool, timeout: float | None, wait: bool
) -> None:
    needs_user = view in ("cart", "orders")
    parts = ["query", view] + ([username] if needs_user else [])
    if crud:
        parts.append("--crud")
    if wait:
        parts.append("--wait" if timeout is None else f"--wait {format_duration(timeout)}")
    action = parse_line(" ".join(parts))
    assert isinstance(action, Query)
    expected_timeout = None if timeout is None or not wait else timeout
    assert action == Query(
        view,
        username if needs_user else None,
        crud,
        wait,  # type: ignore[arg-type]
        expected_timeout,
    )


models = st.one_of(
    st.just(Zero()),
    durations.map(Fixed),
    st.tuples(durations, durations).map(lambda p: Uniform(min(p), max(p))),
    durations.filter(lambda d: d > 0).map(Exponential),
    st.tuples(durations.filter(lambda d: d > 0), st.floats(0.01, 5.0)).map(lambda p: LogNormal(*p)),
)


@given(lanes, models)
def test_latency_round_trips(lane: str, model: object) -> None:
    assert parse_line(f"latency {lane} {model}") == SetLatency(lane, model)  # type: ignore[arg-type]


@given(durations, st.integers(1, 10_000))
def test_advance_and_step_round_trip(seconds: float, count: int) -> None:
    assert parse_line(f"advance {format_duration(seconds)}") == Advance(seconds)
    assert parse_line(f"step {count}") == Step(count)


@given(st.integers(1, 1000), st.integers(1, 1000))
def test_load_round_trips(rate: int, seconds: int) -> None:
    assert parse_line(f"load {rate}/s for {seconds}s") == Load(float(rate), float(seconds))
