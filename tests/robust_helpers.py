"""Helpers for the robustness tests: the `cqrs-lab` command (or any Python) as a subprocess, and the
invariants a lab database must keep whatever happened to the processes writing it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.store.database import open_store
from cqrs_lab.store.records import CREDENTIALS

STANDALONE = frozenset(
    {
        "UserRegistered",
        "ProductAdded",
        "ProductRestocked",
        "ItemAddedToCart",
        "ItemRemovedFromCart",
        "OrderPaid",
        "OrderShipped",
    }
)
"""Event types a command records alone; OrderPlaced and OrderCancelled bring others along."""


def cqrs_lab_command(*args: str) -> list[str]:
    """The `cqrs-lab` console script of this environment, with `args`."""
    script = Path(sys.executable).with_name("cqrs-lab")
    if script.exists():
        return [str(script), *args]
    code = "import sys; from cqrs_lab.cli import main; sys.exit(main())"
    return [sys.executable, "-c", code, *args]


def fresh_python(code: str) -> str:
    """What `code` prints in a Python process of its own: its `sys.modules` holds only what
    the code imported."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a `cqrs-lab` child: unbuffered, and no user data touched."""
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def run_cqrs_lab(
    *args: str,
    cwd: Path | None = None,
    stdin: str = "",
    timeout: float = 120,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """`cqrs-lab ARGS` as a child process (in `cwd`, reading `stdin`, its environment
    `child_env(**env)`), its output captured as text; its exit code is the test's to check."""
    return subprocess.run(
        cqrs_lab_command(*args),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=child_env(**env),
        timeout=timeout,
        check=False,
    )


# -- the event store ---------------------------------------------------------------------


def read_events(db: str | Path) -> list[dict[str, Any]]:
    """Every event row of the lab database (a file or a URL), in position order, read
    through the store's own API without upcasting."""
    store = open_store(str(db), upcasters={})
    try:
        events = store.read_all()
    finally:
        store.engine.dispose()
    return [
        {
            "position": event.position,
            "stream_id": event.stream_id,
            "version": event.version,
            "type": event.type,
            "data": event.data,
            "command_id": event.metadata.command_id,
            "recorded_at": event.metadata.recorded_at,
        }
        for event in events
    ]


def credential_users(db: str | Path) -> set[str]:
    store = open_store(str(db), upcasters={})
    try:
        with store.engine.connect() as conn:
            return set(conn.execute(select(CREDENTIALS.c.username)).scalars())
    finally:
        store.engine.dispose()


def check_store(path: str | Path) -> list[dict[str, Any]]:
    """Assert every invariant of the event store; return the events for further checks.

    Positions run 1..head without a hole, every stream's versions run 1..n, each command's
    events are one contiguous block that forms its whole decision, no product's stock ever
    went below zero, and every registered user (and only they) has a password hash.
    """
    events = read_events(path)
    assert [e["position"] for e in events] == list(range(1, len(events) + 1)), "position holes"
    versions: dict[str, list[int]] = defaultdict(list)
    for event in events:
        versions[event["stream_id"]].append(event["version"])
    for stream_id, seen in versions.items():
        assert seen == list(range(1, len(seen) + 1)), f"stream {stream_id} versions {seen}"
    seen_commands: set[str] = set()
    for command_id, block in groupby(events, key=lambda e: e["command_id"]):
        assert command_id not in seen_commands, f"command {command_id} written twice"
        seen_commands.add(command_id)
        check_decision(list(block))
    check_stock(events)
    registered = {_username(e["data"]) for e in events if e["type"] == "UserRegistered"}
    assert credential_users(path) == registered
    return events


def _username(data: dict[str, Any]) -> str:
    return str(data.get("username", data.get("name")))


def check_decision(block: Sequence[dict[str, Any]]) -> None:
    """One command's events: its whole decision, nothing more, nothing less."""
    first, rest = block[0], block[1:]
    kinds = [e["type"] for e in block]
    if first["type"] == "OrderPlaced":
        order = first["data"]
        checked_out = {"username": order["username"], "order_id": order["order_id"]}
        wanted = [*per_line("StockReserved", order), ("CartCheckedOut", checked_out)]
        assert [(e["type"], e["data"]) for e in rest] == wanted, f"half an order: {kinds}"
    elif first["type"] == "OrderCancelled":
        wanted = per_line("StockReleased", first["data"])
        assert [(e["type"], e["data"]) for e in rest] == wanted, f"half a cancel: {kinds}"
    else:
        assert first["type"] in STANDALONE and not rest, f"not one decision: {kinds}"


def per_line(kind: str, order: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """A `kind` event for each line of `order`: the stock its placing reserves or its
    cancelling releases."""
    return [
        (kind, {"sku": line["sku"], "order_id": order["order_id"], "quantity": line["quantity"]})
        for line in order["lines"]
    ]


def check_stock(events: Iterable[dict[str, Any]]) -> None:
    """Replay every product stream: the units available never go below zero."""
    available: dict[str, int] = {}
    change = {"ProductRestocked": 1, "StockReserved": -1, "StockReleased": 1}
    for event in events:
        data = event["data"]
        if event["type"] == "ProductAdded":
            available[data["sku"]] = data["stock"]
        elif event["type"] in change:
            available[data["sku"]] += change[event["type"]] * data["quantity"]
            assert available[data["sku"]] >= 0, f"stock of {data['sku']} below zero"


# -- the read side ------------------------------------------------------------------------


def projection_rows(lab: Lab) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every projection table, sorted, keyed by table."""
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with lab.store.engine.connect() as conn:
        for projection in lab.projections.values():
            for model in projection.tables:
                name = str(model.__tablename__)
                rows = conn.exec_driver_sql(f"SELECT * FROM {name}").all()
                dump[name] = sorted((tuple(row) for row in rows), key=repr)
    return dump


def usernames(lab: Lab) -> list[str]:
    with lab.store.engine.connect() as conn:
        return sorted(conn.exec_driver_sql("SELECT username FROM crud_users").scalars())


def answers(lab: Lab, *, crud: bool) -> dict[tuple[str, str | None], object]:
    """Every view's rows, for the shop-wide views and each user's cart and orders."""
    asked: list[tuple[str, str | None]] = [("catalog", None), ("sales", None)]
    asked += [(view, user) for user in usernames(lab) for view in ("cart", "orders")]
    return {
        (view, user): lab.query(view, user, crud=crud, record=False).rows for view, user in asked
    }


def check_read_side(lab: Lab) -> None:
    """Projections as resumed from their checkpoints equal a full rebuild and the CRUD twin.

    `lab` was just opened: it caught every projection up to the head on start.
    """
    head = lab.store.head()
    assert all(lane.checkpoint == head for lane in lab.snapshot().lanes)
    resumed = projection_rows(lab)
    resumed_answers = answers(lab, crud=False)
    assert resumed_answers == answers(lab, crud=True)
    assert execute(lab, "rebuild all").ok
    assert projection_rows(lab) == resumed
    assert answers(lab, crud=False) == resumed_answers
