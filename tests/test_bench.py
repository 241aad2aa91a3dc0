"""`cqrs-lab bench`: the shape and sense of its output, never its speed."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from cqrs_lab import cli
from cqrs_lab.bench import runner
from cqrs_lab.bench.data import sales_orders, shop_commands
from cqrs_lab.bench.harness import Figure, Plan, Target
from cqrs_lab.bench.report import render
from cqrs_lab.bench.runner import REQUIRED_KEYS, BenchReport, run_bench
from cqrs_lab.environment import BENCH_DB_ENV
from cqrs_lab.lab import Lab

from .lab_helpers import new_lab

PG_URL = os.environ.get(BENCH_DB_ENV) or os.environ.get("CQRS_LAB_TEST_DB") or None
"""A PostgreSQL server for the simulate figure; without one it is skipped (and said so)."""


@pytest.fixture(scope="module")
def quick() -> BenchReport:
    """One `--quick` run for every test here (it is the slow part: tens of seconds)."""
    return run_bench(quick=True, pg_url=PG_URL)


def test_quick_bench_measures_everything(quick: BenchReport) -> None:
    assert quick.failures == {}
    data = quick.to_json()
    for key in REQUIRED_KEYS:
        assert isinstance(data[key], float) and math.isfinite(data[key]) and data[key] > 0, key
    assert data["quick"] is True
    assert data["store_append_ratio"] == pytest.approx(
        data["store_append_per_s"] / data["sqlite_append_per_s"], rel=1e-3
    )
    assert data["sales_query_speedup_100k"] > 1  # the projection reads one row
    assert data["tui_events_per_s"] > 0 and data["peak_rss_empty_mb"] > 0
    assert set(data["seconds"]) == {
        "store append",
        "send",
        "send beside eventsourcing",
        "checkout saga",
        "memory",
        "rebuild",
        "sales query",
        "snapshots",
        "rewind",
        "startup",
        "screen under load",
        "serve start",
        "simulate",
        "simulate on PostgreSQL",
    }
    if PG_URL:
        assert data["skipped"] == {}
        assert data["simulate_pg_ratio"] == pytest.approx(
            data["simulate_pg_s"] / data["simulate_sqlite_s"], rel=1e-3
        )
    else:
        assert list(data["skipped"]) == ["simulate on PostgreSQL"]
        assert "--pg-url" in data["skipped"]["simulate on PostgreSQL"]
        assert "simulate_pg_s" not in data
    assert data["serve_p95_ready_s"] > 0 and data["serve_visitor_pss_mb"] > 0
    assert json.loads(json.dumps(data)) == data


def test_every_figure_has_a_baseline_and_the_targets_are_judged(quick: BenchReport) -> None:
    for figure in quick.figures:
        assert figure.baseline > 0 and figure.ratio == pytest.approx(figure.value / figure.baseline)
    targets = quick.to_json()["targets"]
    assert len(targets) == (16 if PG_URL else 15)  # simulate on PostgreSQL: with a server
    assert all(isinstance(t["met"], bool) for t in targets.values())


def test_the_text_report(quick: BenchReport) -> None:
    text = render(quick)
    assert text.startswith("cqrs-lab bench (--quick): Python ")
    for figure in quick.figures:
        assert figure.name in text
    assert "baseline, raw sqlite3 INSERT + COMMIT" in text
    assert "targets missed" in text
    if not PG_URL:
        assert "[skipped] simulate on PostgreSQL: no PostgreSQL server" in text


def test_the_command_line_prints_json_or_text(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    canned = BenchReport(
        Plan.of(True), {"python": "3", "sqlite": "3", "cpus": 2, "load_average": 0}
    )
    canned.figures.append(
        Figure("x", 2.0, "ops/s", "y", 4.0, Target(1, at_least=True), {"send_per_s": "value"})
    )
    asked: list[str | None] = []

    def run(quick: bool, say: object, pg_url: str | None = None) -> BenchReport:
        asked.append(pg_url)
        return canned

    monkeypatch.setattr(runner, "run_bench", run)
    monkeypatch.setenv(BENCH_DB_ENV, "postgresql://from-env/db")
    assert cli.main(["bench", "--quick", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["send_per_s"] == 2.0 and data["peak_rss_mb"] is None
    assert cli.main(["bench", "--quick", "--json", "--pg-url", "postgresql://flag/db"]) == 0
    capsys.readouterr()
    assert asked == ["postgresql://from-env/db", "postgresql://flag/db"]
    canned.failures["memory"] = "RuntimeError: boom"
    assert cli.main(["bench", "--quick"]) == 1
    out = capsys.readouterr().out
    assert "[met]     x: 2.0 ops/s" in out and "[failed]  memory: RuntimeError: boom" in out


def test_targets() -> None:
    figure = Figure("f", 30.0, "x/s", "b", 60.0)
    assert figure.ratio == 0.5 and figure.met is None
    assert Target(0.4, at_least=True, on_ratio=True).met(figure)
    assert not Target(40, at_least=True).met(figure)
    assert Target(40, at_least=False).met(figure)
    assert str(Target(1.5, at_least=False, on_ratio=True)) == "<= 1.5x baseline"


def test_the_benchmark_commands_are_all_accepted_by_a_lab() -> None:
    lab: Lab = new_lab()
    results = [lab.send(command) for command in shop_commands(300)]
    assert all(result.ok for result in results)


def test_sales_data_agree_between_rows_and_events() -> None:
    data = sales_orders(200)
    assert len(data.orders) == 200
    placed = [event for type_, event in data.events if type_ == "OrderPlaced"]
    assert [event["order_id"] for event in placed] == [row[0] for row in data.orders]
    assert sum(len(event["lines"]) for event in placed) == len(data.lines)


def test_the_memory_probe_reports_its_own_peak_whatever_the_parent_holds(tmp_path: Path) -> None:
    """Linux hands a parent's peak to a child in `ru_maxrss`; the probe must not read it."""
    from cqrs_lab.bench.harness import parse_pairs, run_probe
    from cqrs_lab.bench.memory import PROBE
    from cqrs_lab.store.database import open_store

    db = tmp_path / "empty.db"
    open_store(str(db)).engine.dispose()
    alone = parse_pairs(run_probe(PROBE, str(db)))["peak_rss_mb"]
    ballast = bytearray(b"\x01") * (200 * 1024 * 1024)  # every page written, so resident
    beside_ballast = parse_pairs(run_probe(PROBE, str(db)))["peak_rss_mb"]
    del ballast
    assert beside_ballast == pytest.approx(alone, rel=0.05)


def test_the_scale_figures_sit_beside_an_empty_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cqrs_lab.bench import scale

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    work = tmp_path / "work"
    work.mkdir()
    figures = scale.measure((300,), work, lambda _: None)
    assert [figure.name for figure in figures] == [
        "open a caught-up lab of 300 events",
        "first open of 300 events behind: catch-up",
        "peak memory, 300 events",
        "send on 300 events",
    ]
    for figure in figures:
        assert math.isfinite(figure.value) and figure.value > 0, figure.name
        assert math.isfinite(figure.baseline) and figure.baseline > 0, figure.name
    assert list((tmp_path / "cache" / "cqrs-lab" / "bench-scale").glob("history-300-*.db"))
