"""One bench measurement in a fresh interpreter of its own.

`python -m cqrs_lab.bench.step NAME FOLDER [--quick] [--append-rate N]` runs the
measurement NAME on the scratch FOLDER and prints its figures as JSON. The bench starts
each measurement this way (a new program, not a fork of the bench) so that no figure
carries the bench's heap, caches or collector state: what it measured before must not
move what it measures next. The PostgreSQL URL comes in `$CQRS_LAB_BENCH_DB`, never argv.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from cqrs_lab.bench import (
    eventsourcing_anchor,
    heapq_loop,
    memory,
    rebuild,
    rewind,
    saga,
    sales_query,
    screen_load,
    send,
    serve_start,
    simulate_pg,
    snapshots,
    startup,
    store_append,
)
from cqrs_lab.bench.data import fill_store
from cqrs_lab.bench.harness import Figure, Plan, Skipped, Target
from cqrs_lab.environment import BENCH_DB_ENV
from cqrs_lab.store.database import open_store

Measure = Callable[[Plan, Path, argparse.Namespace], list[Figure]]

MEASUREMENTS: dict[str, Measure] = {
    "store append": lambda plan, folder, _: store_append.measure(plan, folder),
    "send": lambda plan, folder, options: send.measure(plan, folder, options.append_rate),
    "send beside eventsourcing": lambda plan, folder, _: eventsourcing_anchor.measure(plan, folder),
    "checkout saga": lambda plan, folder, _: saga.measure(plan, folder),
    "memory": lambda plan, folder, _: memory.measure(
        plan, _history(folder, plan), _empty(folder / "empty.db")
    ),
    "rebuild": lambda plan, folder, _: rebuild.measure(plan, _history(folder, plan)),
    "sales query": lambda plan, folder, _: sales_query.measure(plan, folder),
    "snapshots": lambda plan, folder, _: snapshots.measure(plan, folder),
    "rewind": lambda plan, _folder, _options: rewind.figures(plan),
    "startup": lambda plan, folder, _: startup.measure(plan, folder / "startup.db"),
    "screen under load": lambda plan, folder, _: screen_load.measure(plan, folder),
    "serve start": lambda plan, folder, _: serve_start.measure(plan, folder),
    "simulate": lambda plan, _folder, _options: heapq_loop.measure(plan),
    "simulate on PostgreSQL": lambda plan, folder, _: simulate_pg.measure(
        plan, folder, os.environ.get(BENCH_DB_ENV) or None
    ),
}
"""In the order the bench runs them: `send` needs the store append rate measured first."""


def figure_from_json(data: dict[str, Any]) -> Figure:
    target = data.pop("target")
    return Figure(**data, target=Target(**target) if target else None)


def _history(folder: Path, plan: Plan) -> Path:
    """The store of `plan.events` events that memory and rebuild read, made once."""
    path = folder / "history.db"
    if not path.exists():
        store = open_store(str(path))
        try:
            fill_store(store, plan.events)
        finally:
            store.engine.dispose()
    return path


def _empty(path: Path) -> Path:
    open_store(str(path)).engine.dispose()
    return path


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m cqrs_lab.bench.step")
    parser.add_argument("name", choices=MEASUREMENTS)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--append-rate", type=float, default=0.0)
    options = parser.parse_args(argv)
    try:
        figures = MEASUREMENTS[options.name](Plan.of(options.quick), options.folder, options)
    except Skipped as why:
        print(json.dumps({"skipped": str(why)}))
        return
    print(json.dumps({"figures": [asdict(figure) for figure in figures]}))


if __name__ == "__main__":
    main(sys.argv[1:])
