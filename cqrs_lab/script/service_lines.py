"""Reading the services' lines: `services`, `outbox`, `crash` and `payments` (their actions
are in `service_actions`)."""

from __future__ import annotations

from typing import cast

from cqrs_lab.script.arguments import Args, LineCommand, checked_choice
from cqrs_lab.script.service_actions import (
    Crash,
    PaymentsLine,
    ServicesStatus,
    ServiceWord,
    SetOutbox,
    SetServices,
)
from cqrs_lab.sim.latency import LatencySpecError, parse_latency

_ON_OFF = {"on": "on", "off": "off"}
_SERVICES = {"orders": "orders", "payments": "payments"}
_POINTS = {"after-commit": "after-commit"}
_PAYMENTS = {"decline": "decline", "latency": "latency", "faults": "faults"}


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


def payments_line(args: Args) -> PaymentsLine:
    what, *rest = args.count(2, None)
    kind = checked_choice(args, what, _PAYMENTS, "payments setting")
    if kind == "decline":
        if len(rest) != 1 or rest[0].text.lower() != "next":
            raise args.error(f"write payments decline next; usage: {args.usage}", what)
        return PaymentsLine("decline")
    if kind == "latency":
        if len(rest) != 1:
            raise args.error(f"one latency model; usage: {args.usage}", what)
        try:
            return PaymentsLine("latency", model=parse_latency(rest[0].text))
        except LatencySpecError as error:
            raise args.error(str(error), rest[0]) from None
    return PaymentsLine("faults", tokens=tuple(token.text for token in rest))


SERVICE_COMMANDS: dict[str, LineCommand] = {
    "services": LineCommand(
        "services on|off|status",
        "Run Orders and Payments as services with their own data: placing an order asks "
        "Payments through the outbox and the payments lane, and its answer pays or cancels "
        "(status: the outbox, the inboxes and what the last messages did).",
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
        "Crash a service (orders or payments) right after its next commit, before it "
        "publishes: with the outbox off the message is lost; with it on the relay sends it.",
        crash_line,
    ),
    "payments": LineCommand(
        "payments decline next | latency MODEL | faults TOKENS",
        "Make Payments decline the next payment, or set the payments lane's latency and "
        "faults (drop=P dup=P reorder=on|off lost=on|off, as for faults).",
        payments_line,
    ),
}
"""The command table's entries for these lines (the parser adds them to its own)."""
