"""Counters the lab keeps for the screen, the lessons checker and reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cqrs_lab.write.snapshots import LoadReport

TIMINGS = frozenset({"cpu_seconds", "command_cpu_seconds", "query_cpu_seconds"})
"""Keys of real (CPU or wall) time in outcomes and reports: they differ run to run."""


@dataclass(slots=True)
class LatencyStat:
    """Count, mean and max of a latency, in seconds."""

    count: int = 0
    total: float = 0.0
    max: float = 0.0

    def add(self, seconds: float) -> None:
        self.count += 1
        self.total += seconds
        self.max = max(self.max, seconds)

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0

    def to_json(self) -> dict[str, float]:
        return {"count": self.count, "mean": round(self.mean, 6), "max": round(self.max, 6)}


@dataclass(slots=True)
class LabMetrics:
    events: Counter[str] = field(default_factory=Counter)  # appended, by event type
    accepted: Counter[str] = field(default_factory=Counter)  # commands, by verb
    rejected: Counter[str] = field(default_factory=Counter)  # commands, by error code
    queries: Counter[str] = field(default_factory=Counter)  # by view
    stale_reads: Counter[str] = field(default_factory=Counter)  # by view
    rebuilds: Counter[str] = field(default_factory=Counter)  # completed, by projection
    concurrency_conflicts: int = 0  # appends that met a newer stream version
    retries: int = 0  # commands decided again after a conflict
    bad_lines: int = 0  # lines that did not parse
    checks_passed: int = 0  # `check` lines that found the lab consistent
    checks_failed: int = 0  # `check` lines that found a difference
    command_cpu: LatencyStat = field(default_factory=LatencyStat)  # real seconds
    command_lab: LatencyStat = field(default_factory=LatencyStat)  # lab seconds (write cost)
    query_cpu: LatencyStat = field(default_factory=LatencyStat)  # real seconds
    query_wait: LatencyStat = field(default_factory=LatencyStat)  # lab seconds (--wait)
    cache_hits: Counter[str] = field(default_factory=Counter)  # by view
    stale_cache_hits: Counter[str] = field(default_factory=Counter)  # by view: behind source
    replica_reads: Counter[str] = field(default_factory=Counter)  # by replica
    session_violations: Counter[str] = field(default_factory=Counter)  # by guarantee
    aggregate_loads: Counter[str] = field(default_factory=Counter)  # cache, replay, snapshot
    aggregate_events_read: int = 0  # events folded to load aggregates (a load's cost)
    unreadable_events: int = 0  # lines refused: a stored event the shop could not read

    def count_loads(self, loads: Iterable[LoadReport]) -> None:
        """How one command loaded its aggregates."""
        for load in loads:
            self.aggregate_loads[load.how] += 1
            self.aggregate_events_read += load.events_read

    def to_json(self) -> dict[str, object]:
        return {
            "events": dict(self.events),
            "accepted": dict(self.accepted),
            "rejected": dict(self.rejected),
            "queries": dict(self.queries),
            "stale_reads": dict(self.stale_reads),
            "rebuilds": dict(self.rebuilds),
            "concurrency_conflicts": self.concurrency_conflicts,
            "retries": self.retries,
            "bad_lines": self.bad_lines,
            "checks_passed": self.checks_passed,
            "checks_failed": self.checks_failed,
            "command_cpu_seconds": self.command_cpu.to_json(),
            "command_seconds": self.command_lab.to_json(),
            "query_cpu_seconds": self.query_cpu.to_json(),
            "query_wait_seconds": self.query_wait.to_json(),
            "cache_hits": dict(self.cache_hits),
            "stale_cache_hits": dict(self.stale_cache_hits),
            "replica_reads": dict(self.replica_reads),
            "session_violations": dict(self.session_violations),
            "aggregate_loads": dict(self.aggregate_loads),
            "aggregate_events_read": self.aggregate_events_read,
            "unreadable_events": self.unreadable_events,
        }


def without_timings(data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` without its TIMINGS keys, at any depth: what a seeded run repeats exactly."""
    return {
        key: without_timings(value) if isinstance(value, Mapping) else value
        for key, value in data.items()
        if key not in TIMINGS
    }
