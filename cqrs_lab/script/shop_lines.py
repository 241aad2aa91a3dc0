"""Shop command lines, read from the verb registry (`shop/commands.py` `COMMAND_SPECS`).

Each argument's text becomes its field by the argument's kind; the command is then built
once to check every field with the shop's own rules, and a bad field is reported at its
token's column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from itertools import zip_longest
from types import MappingProxyType

from pydantic import SecretStr, ValidationError

from cqrs_lab.script.actions import ORDER_LAST, Send
from cqrs_lab.script.arguments import Args, whole
from cqrs_lab.script.errors import ScriptError, shown
from cqrs_lab.script.tokens import Token
from cqrs_lab.shop.commands import (
    Argument,
    Command,
    CommandSpec,
    describe_validation_error,
)
from cqrs_lab.shop.money import MAX_PRICE_CENTS, MoneyFormatError, format_cents, parse_cents

PLACEHOLDER_ORDER_ID = "placeholder"
"""Stands in for an order id the Lab fills in, so every other field is still checked."""
_AMOUNT = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def shop_line(spec: CommandSpec) -> Callable[[Args], Send]:
    """The handler of `spec`'s lines."""

    def handler(args: Args) -> Send:
        required = sum(not argument.optional for argument in spec.arguments)
        tokens = args.count(required, len(spec.arguments))
        fields: dict[str, tuple[object, Token]] = {}
        check: dict[str, object] = {}
        for argument, token in zip_longest(spec.arguments, tokens):
            if token is not None:
                fields[argument.field] = (_value(args, argument, token), token)
            elif argument.default is not None:
                fields[argument.field] = (argument.default, args.head)
            elif argument.kind == "new-order":
                check[argument.field] = PLACEHOLDER_ORDER_ID
        return _send(args, spec.command_type, fields, check)

    return handler


def _value(args: Args, argument: Argument, token: Token) -> object:
    """The field value of one argument's token, by the argument's kind."""
    text = token.text
    match argument.kind:
        case "secret":
            return SecretStr(text)
        case "whole":
            return whole(args, token, argument.field)
        case "price":
            return _price(args, token)
        case "order":
            return ORDER_LAST if text.lower() == ORDER_LAST else text
        case "new-order" if text.lower() == ORDER_LAST:
            raise args.error(
                f"'{ORDER_LAST}' stands for the most recent order; give a new order another id",
                token,
            )
    return text


def _send(
    args: Args,
    command_type: type[Command],
    fields: Mapping[str, tuple[object, Token]],
    check: Mapping[str, object],
) -> Send:
    """A Send of `fields`, after building the command to check them (plus `check` fields).

    A bad field is reported at its token's column, with the shop's own message.
    """
    values = {name: value for name, (value, _) in fields.items()}
    try:
        command_type(**values, **check)
    except ValidationError as error:
        first = error.errors(include_input=False, include_url=False)[0]["loc"]
        token = fields[str(first[0])][1] if first and str(first[0]) in fields else args.head
        raise ScriptError(
            f"{command_type.verb}: {describe_validation_error(error)}", token.column
        ) from None
    return Send(command_type, MappingProxyType(values))


def _price(args: Args, token: Token) -> int:
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
