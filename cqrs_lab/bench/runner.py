"""`cqrs-lab bench`: every measurement in turn, each beside its baseline from the same run."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cqrs_lab.bench import scale
from cqrs_lab.bench.harness import Figure, Plan, run_probe, scratch
from cqrs_lab.bench.step import MEASUREMENTS, figure_from_json
from cqrs_lab.environment import BENCH_DB_ENV

STEP = "cqrs_lab.bench.step"
STEP_TIMEOUT_S = 1800.0

REQUIRED_KEYS = (
    "store_append_per_s",
    "sqlite_append_per_s",
    "store_append_ratio",
    "send_per_s",
    "saga_ratio_vs_single_service",
    "rebuild_events_per_s",
    "sales_query_speedup_100k",
    "snapshot_latency_ratio",
    "rewind_step_ratio",
    "simulate_heapq_ratio",
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
    required: tuple[str, ...] = REQUIRED_KEYS  # keys the JSON always has (null if not measured)

    def to_json(self) -> dict[str, Any]:
        flat: dict[str, Any] = dict.fromkeys(self.required)
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
    """Every measurement in turn, each in a fresh interpreter (`bench/step.py`); `pg_url`:
    a PostgreSQL server for `simulate` beside SQLite (without one it is skipped)."""
    plan = Plan.of(quick)
    report = BenchReport(plan, environment())
    env = {**os.environ, BENCH_DB_ENV: pg_url or ""}
    with scratch() as folder:
        for name in MEASUREMENTS:
            say(f"measuring {name} ...")
            began = time.perf_counter()
            try:
                _record(report, name, _run_step(name, folder, plan, report, env))
            except Exception as error:  # one broken measurement must not hide the others
                report.failures[name] = f"{type(error).__name__}: {error}"
            report.seconds[name] = round(time.perf_counter() - began, 3)
    return report


def run_scale(quick: bool, say: Callable[[str], None] = lambda _: None) -> BenchReport:
    """`--scale`: open, catch-up, memory and send as history grows (`bench/scale.py`)."""
    report = BenchReport(Plan.of(quick), environment(), required=())
    began = time.perf_counter()
    with scratch() as folder:
        try:
            sizes = scale.QUICK_SIZES if quick else scale.SIZES
            report.figures.extend(scale.measure(sizes, folder, say))
        except Exception as error:
            report.failures["scale"] = f"{type(error).__name__}: {error}"
    report.seconds["scale"] = round(time.perf_counter() - began, 3)
    return report


def _run_step(
    name: str, folder: Path, plan: Plan, report: BenchReport, env: dict[str, str]
) -> dict[str, Any]:
    args = [name, str(folder), *(["--quick"] if plan.quick else [])]
    if name == "send":
        args += ["--append-rate", str(_append_rate(report))]
    lines = run_probe(STEP, *args, timeout=STEP_TIMEOUT_S, env=env)
    return json.loads(lines[-1])


def _record(report: BenchReport, name: str, answer: dict[str, Any]) -> None:
    if "skipped" in answer:
        report.skipped[name] = answer["skipped"]
    else:
        report.figures.extend(figure_from_json(data) for data in answer["figures"])


def _append_rate(report: BenchReport) -> float:
    for figure in report.figures:
        if "store_append_per_s" in figure.keys:
            return figure.value
    raise RuntimeError("needs the store append rate, which was not measured")
