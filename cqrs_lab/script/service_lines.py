"""Reading the services' lines: `services`, `outbox`, `crash`, `payments`, the lanes between
services in `latency|faults|capacity LANE ...`, and `query checkouts|checkout ORDER` (their
actions are in `service_actions`)."""

from __future__ import annotations

import re
from typing import cast

from cqrs_lab.script.actions import SetFaults, SetLatency
from cqrs_lab.script.arguments import (
    Args,
    LineCommand,
    checked_choice,
    checked_fault_tokens,
    checked_latency,
)
from cqrs_lab.script.errors import shown
from cqrs_lab.script.service_actions import (
    SERVICE_LANES,
    Crash,
    DeclinePayments,
    QueryCheckouts,
    ServiceLane,
    ServiceLaneSetting,
    ServicesStatus,
    ServiceWord,
    SetOutbox,
    SetServices,
)
from cqrs_lab.script.tokens import Token

_ON_OFF = {"on": "on", "off": "off"}
_SERVICES = {"orders": "orders", "payments": "payments", "shipping": "shipping"}
_POINTS = {"after-commit": "after-commit"}
_DECLINE_WHEN = {"next": "next", "rate": "rate"}
_PAYMENTS = {"decline": "decline", "latency": "latency", "faults": "faults"}
_ORDER = re.compile(r"[A-Za-z0-9_-]{1,64}")
CHECKOUT_WORDS = ("checkouts", "checkout")
"""`query` words that name the checkout sagas, not a view."""


def services_line(args: Args) -> SetServices | ServicesStatus:
    (token,) = args.count(1, 1)
    word = checked_choice(args, token, {**_ON_OFF, "status": "status"}, "setting")
    return ServicesStatus() if word == "status" else SetServices(word == "on")


def outbox_line(args: Args) -> SetOutbox:
    (token,) = args.count(1, 1)
    return SetOutbox(checked_choice(args, token, _ON_OFF, "setting") == "on")


def crash_line(args: Args) -> Crash:
    service, point = args.count(2, 2)
    word = checked_choice(args, service, _SERVICES, "service")
    checked_choice(args, point, _POINTS, "crash point")
    return Crash(cast(ServiceWord, word))


def payments_line(args: Args) -> DeclinePayments | ServiceLaneSetting:
    what, *rest = args.count(2, None)
    kind = checked_choice(args, what, _PAYMENTS, "payments setting")
    if kind == "latency":  # the first slice's words for `latency payments SPEC`
        (spec,) = args.count(2, 2)[1:]
        return ServiceLaneSetting(SetLatency("payments", checked_latency(args, spec)))
    if kind == "faults":  # ... and for `faults payments TOKEN...`
        return ServiceLaneSetting(SetFaults("payments", checked_fault_tokens(args, rest)))
    if len(rest) > 2:
        raise args.error(f"too many words; usage: {args.usage}", rest[2])
    when = checked_choice(args, rest[0], _DECLINE_WHEN, "decline setting")
    if when == "next":
        if len(rest) != 1:
            raise args.error(f"nothing comes after next; usage: {args.usage}", rest[1])
        return DeclinePayments()
    if len(rest) != 2:
        raise args.error(f"a rate from 0 to 1; usage: {args.usage}", rest[0])
    return DeclinePayments(_probability(args, rest[1]))


def _probability(args: Args, token: Token) -> float:
    try:
        rate = float(token.text)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise args.error(f"{shown(token.text)} is not a rate from 0 to 1 (like 0.1)", token)
    return rate


def service_lane(token: Token) -> ServiceLane | None:
    """The lane between services `token` names, if it names one."""
    word = token.text.lower()
    return cast(ServiceLane, word) if word in SERVICE_LANES else None


def names_checkouts(args: Args) -> bool:
    return bool(args.tokens) and args.tokens[0].text.lower() in CHECKOUT_WORDS


def checkouts_query(args: Args) -> QueryCheckouts:
    """`query checkouts` or `query checkout ORDER`."""
    word, *rest = args.tokens
    if word.text.lower() == "checkouts":
        if rest:
            raise args.error("query checkouts takes nothing more (query checkout ORDER)", rest[0])
        return QueryCheckouts()
    if len(rest) > 1:
        raise args.error("one order: query checkout ORDER (like o1)", rest[1])
    if not rest or not _ORDER.fullmatch(rest[0].text):
        raise args.error("which order? query checkout ORDER (like o1)", rest[0] if rest else word)
    return QueryCheckouts(rest[0].text)


SERVICE_COMMANDS: dict[str, LineCommand] = {
    "services": LineCommand(
        "services on|off|status",
        "Run Orders, Payments and Shipping as services with their own data: placing an "
        "order starts a checkout saga that asks Payments, then Shipping, through the outbox "
        "and the payments and shipping lanes (status: the outbox, the inboxes and what the "
        "last messages did).",
        services_line,
    ),
    "outbox": LineCommand(
        "outbox on|off",
        "Record integration messages in the outbox in the same transaction (on), or publish "
        "them after the commit (off: a crash in between loses them).",
        outbox_line,
    ),
    "crash": LineCommand(
        "crash SERVICE after-commit",
        "Crash a service (orders, payments or shipping) right after its next commit, before "
        "it publishes: with the outbox off the message is lost; with it on the relay sends it.",
        crash_line,
    ),
    "payments": LineCommand(
        "payments decline next | decline rate P | latency MODEL | faults TOKENS",
        "Make Payments decline the next payment, or each payment with probability P (seeded): "
        "the checkout saga cancels the order and releases its stock (latency and faults: the "
        "payments lane's, as latency payments and faults payments).",
        payments_line,
    ),
}
"""The command table's entries for these lines (the parser adds them to its own)."""
