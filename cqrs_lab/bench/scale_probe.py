"""Runs in a fresh interpreter: `python -m cqrs_lab.bench.scale_probe MODE DB [N]`.

MODE is one of:
- `open`: open the lab (its projections already caught up) and close it;
- `catch-up`: open a lab whose read side is empty, so the projections catch up at open;
- `rebuild`: rebuild every projection, one after the other;
- `send`: send N restocks round the catalog's first products (the oldest, longest
  streams), under the lab's own command ids, as a script line sends them; a store
  without products gets them first, untimed;
- `fold`: keep the folds of the long streams of a store filled without them (once, when
  the store is built: `write/folds.py`).
Prints `key value` lines: the seconds it took (and for `send` its CPU seconds, which other
jobs on the machine move less), events in the store, the peak memory.
"""

from __future__ import annotations

import sys
import time

from cqrs_lab.bench.memory_probe import peak_rss_mb

PRODUCTS = 20


def main(argv: list[str]) -> None:
    from cqrs_lab.lab.core import Lab
    from cqrs_lab.read.view_specs import LANES
    from cqrs_lab.shop.commands import AddProduct, Restock
    from cqrs_lab.sim.clock import VirtualClock

    mode, db, *rest = argv
    if mode == "fold":
        _fold(db)
        return
    began = time.perf_counter()
    lab = Lab.open(db, seed=1, clock=VirtualClock())
    opened = time.perf_counter() - began
    try:
        if mode in ("open", "catch-up"):
            print(f"seconds {opened:.6f}")
        elif mode == "rebuild":
            began = time.perf_counter()
            for lane in LANES:
                lab.rebuild(lane)
            print(f"seconds {time.perf_counter() - began:.6f}")
        elif mode == "send":
            count = int(rest[0])
            catalog = lab.query("catalog", record=False).rows
            skus = sorted(str(row["sku"]) for row in catalog.as_dicts())
            if not skus:
                skus = [f"bench-{index}" for index in range(PRODUCTS)]
                for sku in skus:
                    lab.send(AddProduct(sku=sku, name=sku, price_cents=100, stock=0))
            skus = skus[:PRODUCTS]
            began, cpu = time.perf_counter(), time.process_time()
            for index in range(count):
                restock = Restock(
                    command_id=lab.command_ids.new(), sku=skus[index % len(skus)], quantity=1
                )
                lab.send(restock, fresh=True)
            print(f"seconds {time.perf_counter() - began:.6f}")
            print(f"cpu_seconds {time.process_time() - cpu:.6f}")
        else:
            raise SystemExit(f"unknown mode {mode!r}")
        print(f"events {lab.store.head()}")
    finally:
        lab.close()
    print(f"peak_rss_mb {peak_rss_mb():.3f}")


def _fold(db: str) -> None:
    from cqrs_lab.store.database import open_store
    from cqrs_lab.write.folds import keep_every_fold

    store = open_store(db)
    try:
        began = time.perf_counter()
        print(f"folds {keep_every_fold(store)}")
        print(f"seconds {time.perf_counter() - began:.6f}")
    finally:
        store.engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
