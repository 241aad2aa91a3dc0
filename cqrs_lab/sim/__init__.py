"""The simulation core: lab clocks, durations, latency models, faults and the event bus.

Pure standard library; the bus is generic over any event with an integer `position`.
"""

from __future__ import annotations

from cqrs_lab.sim.bus import (
    ALL,
    IDLE_LIMIT,
    Delivery,
    DeliveryKind,
    EventBus,
    Outcome,
    Positioned,
    SubscriptionStats,
    UnknownSubscription,
)
from cqrs_lab.sim.clock import Clock, ScaledClock, VirtualClock
from cqrs_lab.sim.durations import DurationError, format_duration, parse_duration
from cqrs_lab.sim.faults import Faults, FaultSpecError, parse_faults
from cqrs_lab.sim.latency import (
    Exponential,
    Fixed,
    LatencyModel,
    LatencySpecError,
    LogNormal,
    Uniform,
    Zero,
    parse_latency,
)

__all__ = [
    "ALL",
    "IDLE_LIMIT",
    "Clock",
    "Delivery",
    "DeliveryKind",
    "DurationError",
    "EventBus",
    "Exponential",
    "FaultSpecError",
    "Faults",
    "Fixed",
    "LatencyModel",
    "LatencySpecError",
    "LogNormal",
    "Outcome",
    "Positioned",
    "ScaledClock",
    "SubscriptionStats",
    "Uniform",
    "UnknownSubscription",
    "VirtualClock",
    "Zero",
    "format_duration",
    "parse_duration",
    "parse_faults",
    "parse_latency",
]
