"""Starting a lab over: `reset` empties its database and puts every setting back; a lab
whose shared database another lab reset follows it, keeping its own lane settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cqrs_lab.lab.metrics import LabMetrics
from cqrs_lab.lab.prediction import Predictions
from cqrs_lab.lab.production import reset_production
from cqrs_lab.lab.read_tables import open_projections
from cqrs_lab.read.subscriber import GapPolicy, Mode
from cqrs_lab.read.view_specs import DEFAULT_LATENCY
from cqrs_lab.sim.faults import Faults
from cqrs_lab.sim.latency import parse_latency
from cqrs_lab.store.counters import set_orders_placed

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab


def reset(lab: Lab) -> None:
    """Forget everything: events, credentials, read models, counters, lane settings."""
    with lab.store.transaction() as connection:
        lab.store.clear(connection=connection)
        set_orders_placed(connection, 0)
        lab.credentials.clear(connection=connection)
        lab.crud.clear(connection)
        for projection in lab.projections.values():
            projection.clear(connection)
    _forget_in_flight(lab)
    for name, subscriber in lab.subscribers.items():
        subscriber.reset()
        lab.set_mode(name, Mode.ASYNC)
        subscriber.gap_policy = GapPolicy.WAIT
        lab.set_latency(name, parse_latency(DEFAULT_LATENCY[name]))
        lab.set_faults(name, Faults())
        lab.set_capacity(name, None)
    lab.metrics = LabMetrics()
    _forget_seen(lab)
    lab.order_ids.number = 0
    lab.rng.seed(lab.seed)
    lab.command_ids.reseed(lab.seed)


def follow_reset(lab: Lab) -> None:
    """Another lab reset the shared database: forget what it no longer holds (events in
    flight, read models in memory, answers, ids), keep this lab's own lane settings."""
    _forget_in_flight(lab)
    for subscriber in lab.subscribers.values():
        subscriber.reset()
    open_projections(lab.store, lab.projections.values())
    lab.flush_problems.clear()
    _forget_seen(lab)
    lab.order_ids.number = lab.order_ids.stored()
    lab.notices.append("another lab reset the shared database: this lab starts over too")


def _forget_in_flight(lab: Lab) -> None:
    """Deliveries on the bus, their log, predictions and production's problems."""
    lab.bus.clear()
    lab.deliveries.clear()
    lab.predictions = Predictions()
    reset_production(lab)


def _forget_seen(lab: Lab) -> None:
    """The answers, events and writes this lab saw."""
    lab.answers.clear()
    lab.recent.clear()
    lab.last_write.clear()
    lab.last_order_id = None
    lab.head = 0
