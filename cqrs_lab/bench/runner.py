"""`cqrs-lab bench`: every measurement in turn, each beside its baseline from the same run."""

from __future__ import annotations

import os
import platform
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cqrs_lab.bench import (
    memory,
    rebuild,
    sales_query,
    screen_load,
    send,
    serve_start,
    simulate_pg,
    startup,
    store_append,
)
from cqrs_lab.bench.data import fill_store
from cqrs_lab.bench.harness import Figure, Plan, Skipped, scratch
from cqrs_lab.store.database import open_store

REQUIRED_KEYS = (
    "store_append_per_s",
    "sqlite_append_per_s",
    "store_append_ratio",
    "send_per_s",
    "rebuild_events_per_s",
    "sales_query_speedup_100k",
    "startup_ratio_vs_bare",
    "tui_fps_at_500",
    "peak_rss_mb",
)


@dataclass
class BenchReport:
    plan: Plan
    environment: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # measurement -> why it failed
    skipped: dict[str, str] = field(default_factory=dict)  # measurement -> why it did not run
    seconds: dict[str, float] = field(default_factory=dict)  # wall time each measurement took

    def to_json(self) -> dict[str, Any]:
        flat: dict[str, Any] = dict.fromkeys(REQUIRED_KEYS)
        for figure in self.figures:
            flat.update(figure.flat())
        flat["quick"] = self.plan.quick
        flat["sizes"] = {
            "appends": self.plan.appends,
            "commands": self.plan.commands,
            "events": self.plan.events,
            "sales_orders": list(self.plan.sales_orders),
        }
        flat["environment"] = self.environment
        flat["targets"] = {
            figure.name: {"target": str(figure.target), "met": figure.met}
            for figure in self.figures
            if figure.target is not None
        }
        flat["failures"] = self.failures
        flat["skipped"] = self.skipped
        flat["seconds"] = self.seconds
        return flat


def environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
        "load_average": round(os.getloadavg()[0], 2),
        "machine": platform.machine(),
    }


def run_bench(
    quick: bool, say: Callable[[str], None] = lambda _: None, pg_url: str | None = None
) -> BenchReport:
    """Every measurement in turn; `pg_url`: a PostgreSQL server for `simulate` beside
    SQLite (without one that measurement is skipped)."""
    plan = Plan.of(quick)
    report = BenchReport(plan, environment())
    with scratch() as folder:
        history, empty = folder / "history.db", _empty(folder / "empty.db")
        steps: list[tuple[str, Callable[[], list[Figure]]]] = [
            ("store append", lambda: store_append.measure(plan, folder)),
            ("send", lambda: send.measure(plan, folder, _append_rate(report))),
            # memory first: the first open of the history replays it into the projections
            ("memory", lambda: memory.measure(plan, _fill(history, plan.events), empty)),
            ("rebuild", lambda: rebuild.measure(plan, history)),
            ("sales query", lambda: sales_query.measure(plan, folder)),
            ("startup", lambda: startup.measure(plan, folder / "startup.db")),
            ("screen under load", lambda: screen_load.measure(plan, folder)),
            ("serve start", lambda: serve_start.measure(plan, folder)),
            ("simulate on PostgreSQL", lambda: simulate_pg.measure(plan, folder, pg_url)),
        ]
        for name, step in steps:
            say(f"measuring {name} ...")
            began = time.perf_counter()
            try:
                report.figures.extend(step())
            except Skipped as why:
                report.skipped[name] = str(why)
            except Exception as error:  # one broken measurement must not hide the others
                report.failures[name] = f"{type(error).__name__}: {error}"
            report.seconds[name] = round(time.perf_counter() - began, 3)
    return report


def _append_rate(report: BenchReport) -> float:
    return next(f.value for f in report.figures if "store_append_per_s" in f.keys)


def _fill(path: Path, events: int) -> Path:
    store = open_store(str(path))
    try:
        fill_store(store, events)
    finally:
        store.engine.dispose()
    return path


def _empty(path: Path) -> Path:
    open_store(str(path)).engine.dispose()
    return path
