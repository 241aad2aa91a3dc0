"""The eventsourcing anchor of `bench`: skipped with one line without the package, and run at
the lab's durability when it is there (its shape, never its speed)."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

import pytest

from cqrs_lab.bench import eventsourcing_anchor
from cqrs_lab.bench.harness import Plan, Skipped


def test_without_the_package_the_anchor_is_skipped_with_a_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(Skipped, match="eventsourcing package is not installed"):
        eventsourcing_anchor.measure(Plan.of(True), tmp_path)


def test_the_anchor_gets_and_saves_every_restock_in_its_sqlite_file(tmp_path: Path) -> None:
    pytest.importorskip("eventsourcing")
    db = tmp_path / "anchor.db"
    assert eventsourcing_anchor.anchor_restocks(db, 60) > 0
    connection = sqlite3.connect(db)
    try:
        (events,) = connection.execute("SELECT COUNT(*) FROM stored_events").fetchone()
        (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
    finally:
        connection.close()
    assert events == eventsourcing_anchor.PRODUCTS + 60  # each added, then 60 restocks
    assert mode == "wal"


def test_the_lab_side_sends_the_same_restocks(tmp_path: Path) -> None:
    assert eventsourcing_anchor.lab_restocks(tmp_path / "lab.db", 60) > 0
    connection = sqlite3.connect(tmp_path / "lab.db")
    try:
        (restocks,) = connection.execute(
            "SELECT COUNT(*) FROM events WHERE type = 'ProductRestocked'"
        ).fetchone()
    finally:
        connection.close()
    assert restocks == 60
