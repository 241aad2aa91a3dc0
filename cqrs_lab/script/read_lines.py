"""The lines that read: `login` (a query of the credentials), `query` and `predict`."""

from __future__ import annotations

from typing import cast

from pydantic import BaseModel, SecretStr, ValidationError

from cqrs_lab.read.catalog_page import MAX_PAGE
from cqrs_lab.read.view_specs import USER_VIEWS, VIEW_WORDS
from cqrs_lab.script.actions import (
    Expectation,
    ExpectationKind,
    Login,
    Predict,
    Query,
    View,
)
from cqrs_lab.script.arguments import (
    WHOLE,
    Args,
    checked_choice,
    checked_duration,
    close_word,
    respell,
)
from cqrs_lab.script.errors import ScriptError, shown
from cqrs_lab.script.service_actions import QueryCheckouts
from cqrs_lab.script.service_lines import checkouts_query, names_checkouts
from cqrs_lab.script.tokens import Token
from cqrs_lab.shop.commands import Username, describe_validation_error

_VIEW_CHOICES = VIEW_WORDS
_USER_VIEWS = USER_VIEWS
_QUERY_OPTIONS = ("--crud", "--wait")
_PREDICT_SIDES = ("read", "crud")
_EXPECTATION_KINDS = ("has", "no")
MAX_PREDICTED_ROWS = 100_000
_PAGE_USAGE = "[page N] "
_CATALOG_USAGE = f"query catalog {_PAGE_USAGE}[--crud] [--wait [TIMEOUT]]"


class _UserArg(BaseModel):
    """Checks a username outside a command (login, query) with the shop's own rule."""

    username: Username


def login_line(args: Args) -> Login:
    user, password = args.count(2, 2)
    return Login(checked_username(args, user), SecretStr(password.text))


def query_line(args: Args) -> Query | QueryCheckouts:
    if names_checkouts(args):
        return checkouts_query(args)
    if not args.tokens:
        raise ScriptError(
            f"query: missing VIEW (catalog, cart USER, orders USER or sales); usage: {args.usage}",
            args.end,
        )
    view = cast(View, checked_choice(args, args.tokens[0], _VIEW_CHOICES, "view"))
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
                close_word(name, _QUERY_OPTIONS),
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
            timeout = checked_duration(args, value, token, "--wait timeout")
        elif rest and rest[0].text[:1].isdigit():
            # A username starts with a letter, so a word starting with a digit is a timeout.
            timeout_token = rest.pop(0)
            timeout = checked_duration(args, timeout_token.text, timeout_token, "--wait timeout")
    usage = f"usage: query {view} USER [--crud] [--wait [TIMEOUT]]"
    page = 1
    if view in _USER_VIEWS:
        if not positional:
            raise ScriptError(f"query {view}: missing USER; {usage}", args.end)
        if len(positional) > 1:
            raise ScriptError(f"query {view}: too many arguments; {usage}", positional[1].column)
        username: str | None = checked_username(args, positional[0])
    else:
        if view == "catalog":
            page, positional = _page(args, positional)
        if positional:
            raise ScriptError(
                f"query {view} takes no USER (it is the same for everyone); "
                f"usage: query {view} {_PAGE_USAGE if view == 'catalog' else ''}"
                "[--crud] [--wait [TIMEOUT]]",
                positional[0].column,
            )
        username = None
    return Query(view, username, crud, wait, timeout, page)


def _page(args: Args, positional: list[Token]) -> tuple[int, list[Token]]:
    """`page N` among a catalog query's words: the page, and the words left."""
    for i, token in enumerate(positional):
        if token.quoted or token.text.lower() != "page":
            continue
        if i + 1 == len(positional):
            raise ScriptError(f"query catalog: page needs N; usage: {_CATALOG_USAGE}", args.end)
        number = positional[i + 1]
        if not WHOLE.fullmatch(number.text) or not 1 <= int(number.text) <= MAX_PAGE:
            raise args.error(
                f"page: N must be a whole number from 1 to {MAX_PAGE:,}, got {shown(number.text)}",
                number,
            )
        return int(number.text), positional[:i] + positional[i + 2 :]
    return 1, positional


def predict_line(args: Args) -> Predict:
    usage = f"usage: {args.usage}"
    if not args.tokens:
        raise ScriptError(f"predict: missing VIEW; {usage}", args.end)
    view = cast(View, checked_choice(args, args.tokens[0], _VIEW_CHOICES, "view"))
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
                respell(token.text, "=", _PREDICT_SIDES),
            )
        if side in sides:
            raise args.error(f"{side}= is given twice", token)
        sides[side] = _expectation(args, token, side, value)
    if view in _USER_VIEWS:
        if not positional:
            raise ScriptError(f"predict {view}: missing USER; {usage}", args.end)
        username: str | None = checked_username(args, positional[0])
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


def _expectation(args: Args, token: Token, side: str, text: str) -> Expectation:
    """N (rows), has:VALUE or no:VALUE."""
    kind, colon, value = text.partition(":")
    if not colon:
        if not WHOLE.fullmatch(text) or int(text) < 0:
            raise args.error(
                f"{side}: expected a row count (like 2), has:VALUE or no:VALUE, got {shown(text)}",
                token,
            )
        if int(text) > MAX_PREDICTED_ROWS:
            raise args.error(f"{side}: at most {MAX_PREDICTED_ROWS:,} rows", token)
        return Expectation("rows", int(text))
    if kind.lower() not in _EXPECTATION_KINDS:
        close = close_word(kind.lower(), _EXPECTATION_KINDS)
        raise args.error(
            f"{side}: {shown(kind)} is not has or no (has:o1, no:o1)",
            token,
            f"{side}={close}:{value}" if close else None,
        )
    if not value.strip():
        raise args.error(f"{side}: {kind.lower()}: needs a value, like {kind.lower()}:o1", token)
    return Expectation(cast(ExpectationKind, kind.lower()), value)


def checked_username(args: Args, token: Token) -> str:
    try:
        _UserArg(username=token.text)
    except ValidationError as error:
        raise args.error(describe_validation_error(error), token) from None
    return token.text
