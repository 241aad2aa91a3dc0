"""`simulate` on PostgreSQL beside the same run on a SQLite file (issue 13: within 3x).

Each run is `cqrs-lab simulate --rate 50/s --for 1m --seed 1` (20 s of lab time with
`--quick`) on a fresh database: a file in the scratch folder, and a scratch database made
on the given server (`--pg-url` or `$CQRS_LAB_BENCH_DB`) and dropped afterwards. The runs
alternate, so a busy moment hits both alike; the figures are medians. Both runs must give
the same report (it is the same run): a difference is a failure, not a figure. Without a
server URL the measurement is skipped.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cqrs_lab.bench.harness import Figure, Plan, Skipped, ratio_figure
from cqrs_lab.environment import BENCH_DB_ENV
from cqrs_lab.simulate import SimulationConfig, simulate

RATE = 50.0
SEED = 1


def measure(plan: Plan, folder: Path, url: str | None) -> list[Figure]:
    if not url:
        raise Skipped(f"no PostgreSQL server: pass --pg-url URL or set ${BENCH_DB_ENV}")
    duration, runs = (20.0, 1) if plan.quick else (60.0, 3)
    sqlite_s: list[float] = []
    pg_s: list[float] = []
    for run in range(runs):
        file = folder / f"simulate-{run}.db"
        for suffix in ("", "-wal", "-shm"):  # a folder used before: the run starts afresh
            file.with_name(file.name + suffix).unlink(missing_ok=True)
        seconds, on_sqlite = _timed(str(file), duration)
        sqlite_s.append(seconds)
        with _scratch_database(url) as database:
            seconds, on_pg = _timed(database, duration)
        pg_s.append(seconds)
        if on_sqlite != on_pg:
            raise RuntimeError("simulate gave another report on PostgreSQL than on SQLite")
    return [
        ratio_figure(
            "simulate on PostgreSQL",
            statistics.median(pg_s),
            "s",
            "the same run on a SQLite file",
            statistics.median(sqlite_s),
            at_most=3,
            keys=("simulate_pg_s", "simulate_sqlite_s", "simulate_pg_ratio"),
            note=(
                f"simulate --rate {RATE:g}/s --for {duration:g}s --seed {SEED}, fresh databases;"
                f" median of {runs}"
            ),
        )
    ]


def _timed(db: str, duration: float) -> tuple[float, dict[str, Any]]:
    """Seconds one simulate run takes on `db`, and its report without the database."""
    config = SimulationConfig(rate=RATE, duration=duration, seed=SEED, db=db)
    began = time.perf_counter()
    result = simulate(config).to_json()
    seconds = time.perf_counter() - began
    result.pop("db", None)
    return seconds, result


@contextmanager
def _scratch_database(url: str) -> Iterator[str]:
    """A new, empty database on the server of `url`, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(url)
    name = f"cqrs_lab_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
