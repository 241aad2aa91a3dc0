"""The `services.…` paths a `metric` goal may name (the services' part of `Lab.report()`,
see `lab/services_report.py`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cqrs_lab.services.saga import State

OUTBOX_FIELDS = ("on", "pending", "relayed", "lost")
SAGA_STATES = tuple(state.value for state in State)
COUNTS = ("handled", "duplicates", "crashing")
"""Every service's: messages it consumed, deliveries its inbox skipped, a crash armed or down."""
OWN_DATA: dict[str, tuple[str, ...]] = {
    "orders": ("paid", "cancelled", "shipped"),
    "payments": ("PaymentAccepted", "PaymentDeclined", "PaymentRefunded"),
    "shipping": ("Shipped",),
}
"""What each service counts of its own data (the saga's commands; the events on its streams)."""

Need = Callable[[int, Sequence[str], str], None]


def check_services_path(path: str, need: Need, end: Callable[[int], None]) -> None:
    """Check `services.…` with the metric checker's `need` and `end` (they raise ValueError)."""
    need(1, ["outbox", "sagas", "timed_out", *OWN_DATA], "services section")
    section = path.split(".")[1]
    if section == "timed_out":
        end(2)
        return
    if section == "outbox":
        need(2, OUTBOX_FIELDS, "outbox field")
    elif section == "sagas":
        need(2, SAGA_STATES, "saga state")
    else:
        need(2, [*COUNTS, *OWN_DATA[section]], f"{section} field")
    end(3)
