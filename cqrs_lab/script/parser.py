"""The lab script parser: one line of text -> one Action, or a ScriptError saying where and why.

Everything is checked here, before anything runs: shop fields by building the command
(pydantic), durations, latency specs and faults by the simulation's own parsers. An error
names the offending token's column and, for a misspelt word, the closest known word.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import cast

from pydantic import BaseModel, SecretStr, ValidationError

from cqrs_lab.read.view_specs import LANES, USER_VIEWS, VIEW_WORDS
from cqrs_lab.script.actions import (
    GAP_POLICIES,
    LANE_ALL,
    MODES,
    ORDER_LAST,
    Action,
    Advance,
    Check,
    Expectation,
    ExpectationKind,
    Export,
    GapPolicy,
    Help,
    Hold,
    Lane,
    Load,
    Login,
    Mode,
    Pause,
    Predict,
    Query,
    Race,
    Rebuild,
    Release,
    Reset,
    Resume,
    Say,
    Seed,
    Send,
    SetCapacity,
    SetFaults,
    SetGaps,
    SetLatency,
    SetMode,
    Settle,
    ShowTrace,
    Speed,
    Step,
    View,
    WaitKey,
)
from cqrs_lab.script.errors import ScriptError, ScriptErrors, shown
from cqrs_lab.script.secrets import masked
from cqrs_lab.script.tokens import Token, scan
from cqrs_lab.shop.commands import (
    AddProduct,
    AddToCart,
    CancelOrder,
    Command,
    PayOrder,
    PlaceOrder,
    RegisterUser,
    RemoveFromCart,
    Restock,
    ShipOrder,
    Username,
    describe_validation_error,
)
from cqrs_lab.shop.money import MAX_PRICE_CENTS, MoneyFormatError, format_cents, parse_cents
from cqrs_lab.sim.durations import DurationError, parse_duration
from cqrs_lab.sim.faults import Faults, FaultSpecError, parse_faults
from cqrs_lab.sim.latency import LatencySpecError, parse_latency

MIN_SPEED = 0.05
MAX_SPEED = 20.0
MAX_STEPS = 10_000
MAX_LOAD_RATE = 1_000.0
MAX_LOAD_COMMANDS = 1_000_000
"""Most commands one `load` may send on average (rate x duration)."""
MAX_SEED = 2**64 - 1
PLACEHOLDER_ORDER_ID = "placeholder"
"""Stands in for an order id the Lab fills in, so every other field is still checked."""
SEPARATOR = ";"

_WHOLE = re.compile(r"-?[0-9]+")
_AMOUNT = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_FACTOR = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)x?", re.IGNORECASE)
_RATE = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)/s", re.IGNORECASE)
_LANE_CHOICES = {name: name for name in (*LANES, LANE_ALL)}
_VIEW_CHOICES = VIEW_WORDS
_MODE_CHOICES = {mode: mode for mode in MODES}
_GAP_CHOICES = {policy: policy for policy in GAP_POLICIES}
_USER_VIEWS = USER_VIEWS
_QUERY_OPTIONS = ("--crud", "--wait")
_PREDICT_SIDES = ("read", "crud")
_EXPECTATION_KINDS = ("has", "no")
MAX_PREDICTED_ROWS = 100_000
_LATENCY_KINDS = ("zero", "fixed", "uniform", "exp", "lognormal")
ID_PREFIX = 8
"""Characters of a command id the event log shows. A trace target this long or longer is a
command id (or the start of one), even when it is all digits; a shorter number is a position."""
_TRACE_POSITION = re.compile(rf"#([0-9]+)|([0-9]{{1,{ID_PREFIX - 1}}})")
_TRACE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_FAULT_KEYS = ("drop", "dup", "reorder", "lost", "timeout")


class _UserArg(BaseModel):
    """Checks a username outside a command (login, query) with the shop's own rule."""

    username: Username


class _Args:
    """The tokens after a command word, with helpers that raise clear ScriptErrors."""

    def __init__(self, head: Token, tokens: Sequence[Token]) -> None:
        self.head = head
        self.word = head.text.lower()
        self.tokens = tuple(tokens)
        self.end = (tokens[-1] if tokens else head).end + 1
        """Column after the last token and a space: where a missing argument would go."""

    def count(self, low: int, high: int | None) -> tuple[Token, ...]:
        """The tokens, after checking there are from `low` to `high` (None: no limit)."""
        have = len(self.tokens)
        usage = f"usage: {_COMMANDS[self.word].usage}"
        if have < low:
            names = _placeholders(self.word)
            missing = names[have] if have < len(names) else "an argument"
            raise ScriptError(f"{self.word}: missing {missing}; {usage}", self.end)
        if high is not None and have > high:
            extra = self.tokens[high]
            if high == 0:
                raise ScriptError(f"{self.word} takes no arguments; {usage}", extra.column)
            hint = _COMMANDS[self.word].hint
            detail = f" ({hint})" if hint else ""
            raise ScriptError(f"{self.word}: too many arguments{detail}; {usage}", extra.column)
        return self.tokens

    def error(self, message: str, token: Token, suggestion: str | None = None) -> ScriptError:
        return ScriptError(f"{self.word}: {message}", token.column, suggestion=suggestion)


def parse_line(text: str, line_no: int | None = None) -> Action | None:
    """The action of one line; None for a blank or comment-only line.

    Raises ScriptError (with `line_no` and a password-masked `source_line`) for a bad line.
    """
    result = scan(text)
    try:
        if result.problem is not None:
            raise result.problem
        if not result.tokens:
            return None
        return _dispatch(result.tokens)
    except ScriptError as error:
        raise error.located(line_no, _masked(text, result.tokens)) from None


def parse_script(text: str) -> list[tuple[int, Action]]:
    """(line number, action) for every line that has one.

    Raises ScriptErrors holding every bad line's error, so nothing runs from a bad file.
    """
    actions: list[tuple[int, Action]] = []
    errors: list[ScriptError] = []
    for line_no, line in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        try:
            action = parse_line(line.removesuffix("\r"), line_no)
        except ScriptError as error:
            errors.append(error)
            continue
        if action is not None:
            actions.append((line_no, action))
    if errors:
        raise ScriptErrors(errors)
    return actions


def _dispatch(tokens: Sequence[Token]) -> Action:
    head, rest = tokens[0], tokens[1:]
    word = head.text.lower()
    command = _COMMANDS.get(word)
    if command is None:
        suggestion = _close(word, COMMAND_WORDS)
        hint = "" if suggestion else " (help lists every command)"
        raise ScriptError(
            f"unknown command {shown(head.text)}{hint}", head.column, suggestion=suggestion
        )
    if word not in ("race", "say"):
        for token in rest:
            if _is_separator(token):
                raise ScriptError(
                    "';' only separates the two commands of race; write one command a line",
                    token.column,
                )
    return command.handler(_Args(head, rest))


# --- shop commands ---------------------------------------------------------------------


def _register(args: _Args) -> Send:
    user, email, password = args.count(3, 3)
    return _send(
        args,
        RegisterUser,
        {
            "username": (user.text, user),
            "email": (email.text, email),
            "password": (SecretStr(password.text), password),
        },
    )


def _add_product(args: _Args) -> Send:
    sku, name, price, stock = args.count(4, 4)
    return _send(
        args,
        AddProduct,
        {
            "sku": (sku.text, sku),
            "name": (name.text, name),
            "price_cents": (_price(args, price), price),
            "stock": (_whole(args, stock, "stock"), stock),
        },
    )


def _restock(args: _Args) -> Send:
    sku, quantity = args.count(2, 2)
    return _send(
        args,
        Restock,
        {"sku": (sku.text, sku), "quantity": (_whole(args, quantity, "quantity"), quantity)},
    )


def _add_to_cart(args: _Args) -> Send:
    user, sku, *more = args.count(2, 3)
    quantity = _whole(args, more[0], "quantity") if more else 1
    return _send(
        args,
        AddToCart,
        {
            "username": (user.text, user),
            "sku": (sku.text, sku),
            "quantity": (quantity, more[0] if more else args.head),
        },
    )


def _remove_from_cart(args: _Args) -> Send:
    user, sku = args.count(2, 2)
    return _send(args, RemoveFromCart, {"username": (user.text, user), "sku": (sku.text, sku)})


def _place_order(args: _Args) -> Send:
    user, *more = args.count(1, 2)
    if not more:
        return _send(
            args,
            PlaceOrder,
            {"username": (user.text, user)},
            check={"order_id": PLACEHOLDER_ORDER_ID},
        )
    order = more[0]
    if order.text.lower() == ORDER_LAST:
        raise args.error(
            f"'{ORDER_LAST}' stands for the most recent order; give a new order another id",
            order,
        )
    return _send(args, PlaceOrder, {"username": (user.text, user), "order_id": (order.text, order)})


def _order_command(command_type: type[Command]) -> Callable[[_Args], Send]:
    def handler(args: _Args) -> Send:
        (order,) = args.count(1, 1)
        order_id = ORDER_LAST if order.text.lower() == ORDER_LAST else order.text
        return _send(args, command_type, {"order_id": (order_id, order)})

    return handler


def _send(
    args: _Args,
    command_type: type[Command],
    fields: Mapping[str, tuple[object, Token]],
    check: Mapping[str, object] | None = None,
) -> Send:
    """A Send of `fields`, after building the command to check them (plus `check` fields).

    A bad field is reported at its token's column, with the shop's own message.
    """
    values = {name: value for name, (value, _) in fields.items()}
    try:
        command_type(**values, **(check or {}))
    except ValidationError as error:
        first = error.errors(include_input=False, include_url=False)[0]["loc"]
        token = fields[str(first[0])][1] if first and str(first[0]) in fields else args.head
        raise ScriptError(
            f"{command_type.verb}: {describe_validation_error(error)}", token.column
        ) from None
    return Send(command_type, MappingProxyType(values))


def _whole(args: _Args, token: Token, field: str) -> int:
    if not _WHOLE.fullmatch(token.text):
        raise args.error(f"{field}: must be a whole number, got {shown(token.text)}", token)
    return int(token.text)


def _price(args: _Args, token: Token) -> int:
    """Price text to cents, range-checked here so the message speaks of the price typed."""
    if not _AMOUNT.fullmatch(token.text):
        raise args.error(
            f"price: {shown(token.text)} is not an amount (write it like 12.50)", token
        )
    try:
        cents = parse_cents(token.text)
    except MoneyFormatError as error:
        raise args.error(f"price: {error}", token) from None
    if cents <= 0:
        raise args.error("price: must be greater than 0", token)
    if cents > MAX_PRICE_CENTS:
        raise args.error(f"price: must be at most {format_cents(MAX_PRICE_CENTS)}", token)
    return cents


# --- queries ---------------------------------------------------------------------------


def _login(args: _Args) -> Login:
    user, password = args.count(2, 2)
    return Login(_username(args, user), SecretStr(password.text))


def _query(args: _Args) -> Query:
    if not args.tokens:
        raise ScriptError(
            f"query: missing VIEW (catalog, cart USER, orders USER or sales); "
            f"usage: {_COMMANDS['query'].usage}",
            args.end,
        )
    view = cast(View, _choice(args, args.tokens[0], _VIEW_CHOICES, "view"))
    positional: list[Token] = []
    seen: set[str] = set()
    crud = wait = False
    timeout: float | None = None
    rest = list(args.tokens[1:])
    while rest:
        token = rest.pop(0)
        if token.quoted or not token.text.startswith("-"):
            positional.append(token)
            continue
        name, equals, value = token.text.lower().partition("=")
        if name not in _QUERY_OPTIONS:
            raise args.error(
                f"unknown option {shown(token.text)} (one of {', '.join(_QUERY_OPTIONS)})",
                token,
                _close(name, _QUERY_OPTIONS),
            )
        if name in seen:
            raise args.error(f"{name} is given twice", token)
        seen.add(name)
        if name == "--crud":
            if equals:
                raise args.error("--crud takes no value", token)
            crud = True
            continue
        wait = True
        if equals:
            timeout = _duration(args, value, token, "--wait timeout")
        elif rest and rest[0].text[:1].isdigit():
            # A username starts with a letter, so a word starting with a digit is a timeout.
            timeout_token = rest.pop(0)
            timeout = _duration(args, timeout_token.text, timeout_token, "--wait timeout")
    usage = f"usage: query {view} USER [--crud] [--wait [TIMEOUT]]"
    if view in _USER_VIEWS:
        if not positional:
            raise ScriptError(f"query {view}: missing USER; {usage}", args.end)
        if len(positional) > 1:
            raise ScriptError(f"query {view}: too many arguments; {usage}", positional[1].column)
        username: str | None = _username(args, positional[0])
    else:
        if positional:
            raise ScriptError(
                f"query {view} takes no USER (it is the same for everyone); "
                f"usage: query {view} [--crud] [--wait [TIMEOUT]]",
                positional[0].column,
            )
        username = None
    return Query(view, username, crud, wait, timeout)


def _predict(args: _Args) -> Predict:
    usage = f"usage: {_COMMANDS['predict'].usage}"
    if not args.tokens:
        raise ScriptError(f"predict: missing VIEW; {usage}", args.end)
    view = cast(View, _choice(args, args.tokens[0], _VIEW_CHOICES, "view"))
    positional: list[Token] = []
    sides: dict[str, Expectation] = {}
    for token in args.tokens[1:]:
        key, equals, value = token.text.partition("=")
        if not equals:
            positional.append(token)
            continue
        side = key.lower()
        if side not in _PREDICT_SIDES:
            raise args.error(
                f"unknown side {shown(key)} (read or crud)",
                token,
                _respell(token.text, "=", _PREDICT_SIDES),
            )
        if side in sides:
            raise args.error(f"{side}= is given twice", token)
        sides[side] = _expectation(args, token, side, value)
    if view in _USER_VIEWS:
        if not positional:
            raise ScriptError(f"predict {view}: missing USER; {usage}", args.end)
        username: str | None = _username(args, positional[0])
        extra = positional[1:]
    else:
        username, extra = None, positional
    if extra:
        raise args.error(f"too many arguments; {usage}", extra[0])
    for side in _PREDICT_SIDES:
        if side not in sides:
            raise ScriptError(
                f"predict: missing {side}=EXPECT (a row count, has:VALUE or no:VALUE); {usage}",
                args.end,
            )
    return Predict(view, username, sides["read"], sides["crud"])


def _expectation(args: _Args, token: Token, side: str, text: str) -> Expectation:
    """N (rows), has:VALUE or no:VALUE."""
    kind, colon, value = text.partition(":")
    if not colon:
        if not _WHOLE.fullmatch(text) or int(text) < 0:
            raise args.error(
                f"{side}: expected a row count (like 2), has:VALUE or no:VALUE, got {shown(text)}",
                token,
            )
        if int(text) > MAX_PREDICTED_ROWS:
            raise args.error(f"{side}: at most {MAX_PREDICTED_ROWS:,} rows", token)
        return Expectation("rows", int(text))
    if kind.lower() not in _EXPECTATION_KINDS:
        close = _close(kind.lower(), _EXPECTATION_KINDS)
        raise args.error(
            f"{side}: {shown(kind)} is not has or no (has:o1, no:o1)",
            token,
            f"{side}={close}:{value}" if close else None,
        )
    if not value.strip():
        raise args.error(f"{side}: {kind.lower()}: needs a value, like {kind.lower()}:o1", token)
    return Expectation(cast(ExpectationKind, kind.lower()), value)


def _username(args: _Args, token: Token) -> str:
    try:
        _UserArg(username=token.text)
    except ValidationError as error:
        raise args.error(describe_validation_error(error), token) from None
    return token.text


# --- controls --------------------------------------------------------------------------


def _latency(args: _Args) -> SetLatency:
    lane_token, spec = args.count(2, 2)
    lane = _lane(args, lane_token)
    try:
        model = parse_latency(spec.text)
    except LatencySpecError as error:
        raise args.error(str(error), spec, _respell(spec.text, ":", _LATENCY_KINDS)) from None
    return SetLatency(lane, model)


def _faults(args: _Args) -> SetFaults:
    lane_token, *tokens = args.count(2, None)
    lane = _lane(args, lane_token)
    faults = Faults()
    for token in tokens:
        try:
            faults = parse_faults([token.text], base=faults)
        except FaultSpecError as error:
            raise args.error(str(error), token, _respell(token.text, "=", _FAULT_KEYS)) from None
    return SetFaults(lane, tuple(t.text for t in tokens))


def _capacity(args: _Args) -> SetCapacity:
    lane_token, rate_token = args.count(2, 2)
    lane = _lane(args, lane_token)
    if rate_token.text.lower() in ("none", "off"):
        return SetCapacity(lane, None)
    match = _RATE.fullmatch(rate_token.text)
    if match is None:
        raise args.error(
            f"{shown(rate_token.text)} is not a rate (deliveries a second, like 5/s, or none)",
            rate_token,
        )
    rate = float(match.group(1))
    if not 0 < rate <= MAX_LOAD_RATE:
        raise args.error(f"the rate must be above 0/s and at most {MAX_LOAD_RATE:g}/s", rate_token)
    return SetCapacity(lane, rate)


def _mode(args: _Args) -> SetMode:
    lane, mode = args.count(2, 2)
    return SetMode(_lane(args, lane), cast(Mode, _choice(args, mode, _MODE_CHOICES, "mode")))


def _gaps(args: _Args) -> SetGaps:
    lane, policy = args.count(2, 2)
    choice = _choice(args, policy, _GAP_CHOICES, "gap policy")
    return SetGaps(_lane(args, lane), cast(GapPolicy, choice))


def _step(args: _Args) -> Step:
    tokens = args.count(0, 1)
    if not tokens:
        return Step()
    count = _whole(args, tokens[0], "N")
    if not 1 <= count <= MAX_STEPS:
        raise args.error(f"N must be from 1 to {MAX_STEPS}", tokens[0])
    return Step(count)


def _speed(args: _Args) -> Speed:
    (token,) = args.count(1, 1)
    if not _FACTOR.fullmatch(token.text):
        raise args.error(f"{shown(token.text)} is not a number (write it like 0.25 or 2)", token)
    factor = float(token.text.lower().removesuffix("x"))
    if not MIN_SPEED <= factor <= MAX_SPEED:
        raise args.error(
            f"the factor must be from {MIN_SPEED:g} to {MAX_SPEED:g} (pause stops the clock)",
            token,
        )
    return Speed(factor)


def _advance(args: _Args) -> Advance:
    (token,) = args.count(1, 1)
    return Advance(_duration(args, token.text, token, "DURATION"))


def _load(args: _Args) -> Load:
    rate_token, for_token, duration_token = args.count(3, 3)
    match = _RATE.fullmatch(rate_token.text)
    if match is None:
        raise args.error(
            f"{shown(rate_token.text)} is not a rate (write commands a second, like 20/s)",
            rate_token,
        )
    rate = float(match.group(1))
    if not 0 < rate <= MAX_LOAD_RATE:
        raise args.error(f"the rate must be above 0/s and at most {MAX_LOAD_RATE:g}/s", rate_token)
    if for_token.text.lower() != "for":
        raise args.error(f"expected 'for' here; usage: {_COMMANDS['load'].usage}", for_token, "for")
    duration = _duration(args, duration_token.text, duration_token, "DURATION")
    if duration <= 0:
        raise args.error("the duration must be above zero", duration_token)
    if rate * duration > MAX_LOAD_COMMANDS:
        raise args.error(
            f"that is about {rate * duration:,.0f} commands; one load sends at most "
            f"{MAX_LOAD_COMMANDS:,}",
            duration_token,
        )
    return Load(rate, duration)


def _seed(args: _Args) -> Seed:
    (token,) = args.count(1, 1)
    value = _whole(args, token, "N")
    if not 0 <= value <= MAX_SEED:
        raise args.error("N must be a whole number from 0 to 2**64 - 1", token)
    return Seed(value)


def _say(args: _Args) -> Say:
    tokens = args.count(1, None)
    return Say(" ".join(token.text for token in tokens))


def _export(args: _Args) -> Export:
    (token,) = args.count(1, 1)
    if not token.text.strip():
        raise args.error("FILE is empty", token)
    return Export(token.text)


def _race(args: _Args) -> Race:
    usage = f"usage: {_COMMANDS['race'].usage}"
    separators = [t for t in args.tokens if _is_separator(t)]
    if not separators:
        raise ScriptError(
            f"race: put ' ; ' between the two shop commands; {usage}",
            args.tokens[0].column if args.tokens else args.end,
        )
    if len(separators) > 1:
        raise ScriptError(f"race takes exactly two shop commands; {usage}", separators[1].column)
    sides = _sides(args.tokens)
    sends = []
    for side, where, which in zip(
        sides, (separators[0].column, args.end), ("first", "second"), strict=True
    ):
        if not side:
            raise ScriptError(f"race: missing the {which} command; {usage}", where)
        head = side[0]
        if head.text.lower() not in _SHOP_WORDS:
            known = head.text.lower() in _COMMANDS
            raise ScriptError(
                f"race: {shown(head.text)} is not a shop command (race takes two of: "
                f"{', '.join(_SHOP_WORDS)})",
                head.column,
                suggestion=None if known else _close(head.text.lower(), _SHOP_WORDS),
            )
        sends.append(_SHOP_HANDLERS[head.text.lower()](_Args(head, side[1:])))
    return Race(sends[0], sends[1])


def _lane_command(action: Callable[[Lane], Action]) -> Callable[[_Args], Action]:
    def handler(args: _Args) -> Action:
        (lane,) = args.count(1, 1)
        return action(_lane(args, lane))

    return handler


def _trace(args: _Args) -> ShowTrace:
    (token,) = args.count(1, 1)
    try:
        return ShowTrace(trace_target(token.text))
    except ValueError as error:
        raise args.error(str(error), token) from None


def trace_target(text: str) -> int | str:
    """The event position (int) or command id, or start of one (str), that `text` names.

    `#N` and a number of fewer than ID_PREFIX digits are positions; anything else is a
    command id: `12345678` is the start of one, `#12345678` the position. ValueError if
    `text` can be neither.
    """
    position = _TRACE_POSITION.fullmatch(text)
    if position:
        return int(position.group(1) or position.group(2))
    if _TRACE_ID.fullmatch(text):
        return text
    raise ValueError(
        f"{shown(text)} is neither an event position (like 6) nor a command id (its first"
        f" {ID_PREFIX} characters or more, as the event log shows them)"
    )


def _help(args: _Args) -> Help:
    tokens = args.count(0, 1)
    return Help(tokens[0].text.lower() if tokens else None)


def _no_arguments(action: Callable[[], Action]) -> Callable[[_Args], Action]:
    def handler(args: _Args) -> Action:
        args.count(0, 0)
        return action()

    return handler


# --- shared checks ---------------------------------------------------------------------


def _lane(args: _Args, token: Token) -> Lane:
    return cast(Lane, _choice(args, token, _LANE_CHOICES, "lane"))


def _choice(args: _Args, token: Token, choices: Mapping[str, str], what: str) -> str:
    """The canonical word `token` names among `choices` (case-insensitive)."""
    word = token.text.lower()
    if word in choices:
        return choices[word]
    names = list(dict.fromkeys(choices.values()))
    close = _close(word, list(choices))
    raise args.error(
        f"unknown {what} {shown(token.text)} (one of {', '.join(names)})",
        token,
        choices[close] if close else None,
    )


def _duration(args: _Args, text: str, token: Token, what: str) -> float:
    try:
        return parse_duration(text)
    except DurationError as error:
        raise args.error(f"{what}: {error}", token) from None


def _close(word: str, candidates: Sequence[str]) -> str | None:
    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


def _respell(text: str, separator: str, keys: Sequence[str]) -> str | None:
    """`text` with its misspelt key (before `separator`) replaced by the closest known key."""
    key, found, value = text.lower().partition(separator)
    if not found or key in keys:
        return None
    close = _close(key, keys)
    return f"{close}{separator}{value}" if close else None


def _is_separator(token: Token) -> bool:
    return token.text == SEPARATOR and not token.quoted


def _sides(tokens: Sequence[Token]) -> list[list[Token]]:
    """`tokens` cut at each separator."""
    sides: list[list[Token]] = [[]]
    for token in tokens:
        if _is_separator(token):
            sides.append([])
        else:
            sides[-1].append(token)
    return sides


def _placeholders(word: str) -> list[str]:
    """The argument names of a usage line: 'add-to-cart USER SKU [QTY]' -> USER, SKU, QTY."""
    return [part.strip("[]") for part in _COMMANDS[word].usage.split()[1:]]


# --- secrets ---------------------------------------------------------------------------


def mask_secrets(line: str) -> str:
    """`line` with every password it may hold (and what follows it on its command) replaced
    by `*`: safe to log, keep in history or export. Columns stay where they were.

    Misspelt lines are masked too: see `cqrs_lab.script.secrets`."""
    return _masked(line, scan(line).tokens)


def _masked(line: str, tokens: Sequence[Token]) -> str:
    return masked(line, tokens, _COMMANDS, _SHOP_HANDLERS)


# --- the command table -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Command:
    usage: str
    description: str
    handler: Callable[[_Args], Action]
    hint: str | None = None
    """Said when there are too many arguments."""


_QUOTE_PASSWORD = "put quotes around a password with spaces"

_SHOP_HANDLERS: dict[str, Callable[[_Args], Send]] = {
    RegisterUser.verb: _register,
    AddProduct.verb: _add_product,
    Restock.verb: _restock,
    AddToCart.verb: _add_to_cart,
    RemoveFromCart.verb: _remove_from_cart,
    PlaceOrder.verb: _place_order,
    PayOrder.verb: _order_command(PayOrder),
    CancelOrder.verb: _order_command(CancelOrder),
    ShipOrder.verb: _order_command(ShipOrder),
}
_SHOP_WORDS = tuple(_SHOP_HANDLERS)

_COMMANDS: dict[str, _Command] = {
    "register": _Command(
        "register USER EMAIL PASSWORD",
        "Create a shop account; only a salted hash of the password is kept.",
        _SHOP_HANDLERS["register"],
        _QUOTE_PASSWORD,
    ),
    "login": _Command(
        "login USER PASSWORD",
        "Check a user's password (a query: it changes nothing).",
        _login,
        _QUOTE_PASSWORD,
    ),
    "add-product": _Command(
        "add-product SKU NAME PRICE STOCK",
        'Add a product to the catalog, e.g. add-product sku-1 "Blue mug" 12.50 10.',
        _SHOP_HANDLERS["add-product"],
        'put quotes around a NAME with spaces, as in "Blue mug"',
    ),
    "restock": _Command(
        "restock SKU QTY", "Add QTY units to a product's stock.", _SHOP_HANDLERS["restock"]
    ),
    "add-to-cart": _Command(
        "add-to-cart USER SKU [QTY]",
        "Put QTY units (default 1) of a product in a user's cart.",
        _SHOP_HANDLERS["add-to-cart"],
    ),
    "remove-from-cart": _Command(
        "remove-from-cart USER SKU",
        "Take a product out of a user's cart.",
        _SHOP_HANDLERS["remove-from-cart"],
    ),
    "place-order": _Command(
        "place-order USER [ORDER_ID]",
        "Turn a user's cart into an order; without ORDER_ID the lab makes one up.",
        _SHOP_HANDLERS["place-order"],
    ),
    "pay": _Command(
        "pay ORDER",
        "Pay an order (ORDER may be 'last', the most recent order placed).",
        _SHOP_HANDLERS["pay"],
    ),
    "cancel": _Command(
        "cancel ORDER",
        "Cancel an order that has not shipped (ORDER may be 'last').",
        _SHOP_HANDLERS["cancel"],
    ),
    "ship": _Command(
        "ship ORDER", "Ship a paid order (ORDER may be 'last').", _SHOP_HANDLERS["ship"]
    ),
    "query": _Command(
        "query VIEW [USER] [--crud] [--wait [TIMEOUT]]",
        "Read catalog, cart USER, orders USER or sales; --crud reads the CRUD twin, "
        "--wait waits until the view has your own writes.",
        _query,
    ),
    "latency": _Command(
        "latency LANE SPEC",
        "Set a lane's delivery delay: zero, fixed:1s, uniform:100ms..2s, exp:800ms "
        "or lognormal:300ms,0.8.",
        _latency,
    ),
    "faults": _Command(
        "faults LANE FAULT...",
        "Set a lane's faults: drop=P dup=P reorder=on|off lost=on|off timeout=DURATION, or none.",
        _faults,
    ),
    "capacity": _Command(
        "capacity LANE RATE/s|none",
        "Let a lane's consumer handle at most RATE events a second (none: no limit).",
        _capacity,
    ),
    "mode": _Command(
        "mode LANE inline|async",
        "Update a projection in the command's transaction (inline) or through the bus (async).",
        _mode,
    ),
    "gaps": _Command(
        "gaps LANE wait|catch-up",
        "On a missing event, wait for it or catch up by reading the event store.",
        _gaps,
    ),
    "pause": _Command("pause", "Stop the lab clock.", _no_arguments(Pause)),
    "resume": _Command("resume", "Start the lab clock again.", _no_arguments(Resume)),
    "step": _Command("step [N]", "Move a paused lab N steps forward (default 1).", _step),
    "speed": _Command(
        "speed FACTOR",
        f"Run lab time FACTOR times as fast as real time ({MIN_SPEED:g} to {MAX_SPEED:g}).",
        _speed,
    ),
    "advance": _Command(
        "advance DURATION",
        "Move lab time forward by DURATION (e.g. 5s), delivering what falls due.",
        _advance,
    ),
    "settle": _Command("settle", "Run until nothing is in flight.", _no_arguments(Settle)),
    "check": _Command(
        "check",
        "Audit the lab's database: the store, each projection against a rebuild, the CRUD twin.",
        _no_arguments(Check),
    ),
    "rebuild": _Command(
        "rebuild LANE",
        "Clear a projection and replay the whole event store into it.",
        _lane_command(Rebuild),
    ),
    "load": _Command(
        "load RATE/s for DURATION",
        "Send a random (Poisson) workload of RATE commands a second, e.g. load 20/s for 30s.",
        _load,
    ),
    "reset": _Command("reset", "Start over with an empty shop.", _no_arguments(Reset)),
    "seed": _Command(
        "seed N", "Seed the lab's randomness: the same script and seed give the same run.", _seed
    ),
    "say": _Command("say TEXT", "Show a caption (for demos and lessons).", _say),
    "wait-key": _Command(
        "wait-key", "Wait for a key press before going on (demos).", _no_arguments(WaitKey)
    ),
    "export": _Command("export FILE", "Write what the lab recorded to FILE.", _export),
    "race": _Command(
        "race COMMAND ; COMMAND",
        "Decide two shop commands against the same state: the second meets a concurrency conflict.",
        _race,
    ),
    "hold": _Command(
        "hold LANE", "Hold a lane's deliveries back until release.", _lane_command(Hold)
    ),
    "release": _Command("release LANE", "Let a held lane deliver again.", _lane_command(Release)),
    "predict": _Command(
        "predict VIEW [USER] read=EXPECT crud=EXPECT",
        "Say what a query will show once its held lane is released, in the read model and "
        "in the CRUD twin: a row count (2), has:VALUE or no:VALUE; release judges it.",
        _predict,
    ),
    "trace": _Command(
        "trace POSITION|COMMAND_ID",
        "The causation trace of an event: its command, the command's events, their deliveries"
        f" and when each projection applied them. A number of up to {ID_PREFIX - 1} digits is"
        f" an event position; {ID_PREFIX} characters or more are a command id or its start"
        " (as the event log shows it), digits only too.",
        _trace,
    ),
    "help": _Command("help [TOPIC]", "Show help, on everything or on one command.", _help),
}

COMMAND_WORDS: tuple[str, ...] = tuple(sorted(_COMMANDS))
"""Every command word, sorted (for completion)."""

USAGE: dict[str, str] = {
    word: f"{command.usage}\n{command.description}" for word, command in sorted(_COMMANDS.items())
}
"""Per command word: its usage line, a newline, and a one-sentence description."""

__all__ = [
    "COMMAND_WORDS",
    "USAGE",
    "ScriptError",
    "ScriptErrors",
    "mask_secrets",
    "parse_line",
    "parse_script",
    "trace_target",
]
