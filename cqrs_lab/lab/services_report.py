"""The services' part of `Lab.report()` (present only while services are on), so lesson goals
and `cqrs-lab run --json` can read them: `services.outbox.lost`, `services.sagas.cancelled`,
`services.payments.duplicates`, `services.payments.PaymentAccepted`, ... Built from the same
`ServicesPicture` the screen draws."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cqrs_lab.lab.service_performers import services_picture

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab

TIMED_OUT = "TimedOut"
"""The step a checkout saga ends on when Payments did not answer in time."""


def services_report(lab: Lab) -> dict[str, Any] | None:
    """The outbox, the sagas by state and each service's counts; None while services are off."""
    picture = services_picture(lab)
    if not picture.on:
        return None
    report: dict[str, Any] = {
        "outbox": {
            "on": "on" if picture.outbox_on else "off",
            "pending": picture.outbox_pending,
            "relayed": picture.outbox_relayed,
            "lost": picture.outbox_lost,
        },
        "sagas": dict(picture.sagas),
        "timed_out": sum(checkout.step == TIMED_OUT for checkout in picture.checkouts),
    }
    for service in picture.services:
        report[service.name] = {
            **service.counters,
            "handled": service.handled,
            "duplicates": service.duplicates,
            "crashing": int(service.crashing),
        }
    return report
