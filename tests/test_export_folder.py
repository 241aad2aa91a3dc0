"""`export NAME` writes only inside the export folder, and only over an earlier recording."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cqrs_lab.lab.export_folder import ExportFolder
from cqrs_lab.lab.interpreter import execute
from tests.lab_helpers import SHOP_SETUP, new_lab, run


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry below `folder`: a file's bytes, a link's target, a folder's mark."""
    entries: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            entries[name] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            entries[name] = "dir"
        elif path.is_file():
            entries[name] = path.read_bytes()
        else:
            entries[name] = "special"
    return entries


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the export folder holding a file a visitor would like to replace."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "victim.txt").write_text("keep me", "utf-8")
    return folder


def test_an_export_lands_in_the_export_folder(data_dir: Path) -> None:
    lab = new_lab()
    run(lab, SHOP_SETUP)
    outcome = execute(lab, "export runs/monday.jsonl")
    target = data_dir / "exports" / "runs" / "monday.jsonl"
    assert outcome.ok, outcome.message
    assert str(target) in outcome.message
    assert target.read_text("utf-8").startswith('{"kind": "header"')


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("{outside}/victim.txt", "not a full path"),
        ("../outside/victim.txt", "'..' may not leave the folder"),
        ("runs/../../outside/victim.txt", "'..' may not leave the folder"),
        ("~/victim.txt", "not a full path"),
        ("/dev/full", "not a full path"),
    ],
)
def test_a_name_outside_the_folder_is_refused(
    data_dir: Path, outside: Path, name: str, why: str
) -> None:
    before = tree(outside.parent)
    outcome = execute(new_lab(), f"export '{name.format(outside=outside)}'")
    assert not outcome.ok
    assert why in outcome.message
    assert str(data_dir / "exports") in outcome.message  # where files may go
    assert tree(outside.parent) == before


def test_a_link_out_of_the_folder_is_refused(data_dir: Path, outside: Path) -> None:
    exports = data_dir / "exports"
    exports.mkdir()
    (exports / "out").symlink_to(outside)
    (exports / "victim.txt").symlink_to(outside / "victim.txt")
    lab = new_lab()
    for name in ("out/victim.txt", "out/new.jsonl", "victim.txt"):
        outcome = execute(lab, f"export {name}")
        assert not outcome.ok, name
        assert "link" in outcome.message
    assert tree(outside) == {"victim.txt": b"keep me"}


def test_a_device_or_another_programs_file_is_never_replaced(data_dir: Path) -> None:
    exports = data_dir / "exports"
    exports.mkdir()
    os.mkfifo(exports / "pipe")
    (exports / "notes.txt").write_text("my notes", "utf-8")
    (exports / "folder").mkdir()
    lab = new_lab()
    for name, why in [
        ("pipe", "not a regular file"),
        ("folder", "not a regular file"),
        ("notes.txt", "a file of another program is there"),
    ]:
        outcome = execute(lab, f"export {name}")
        assert not outcome.ok, name
        assert why in outcome.message
    assert (exports / "notes.txt").read_text("utf-8") == "my notes"
    assert sorted(p.name for p in exports.iterdir()) == ["folder", "notes.txt", "pipe"]


def test_an_earlier_recording_is_replaced_whole(data_dir: Path) -> None:
    lab = new_lab()
    assert execute(lab, "export run.jsonl").ok
    run(lab, SHOP_SETUP)
    outcome = execute(lab, "export run.jsonl")
    assert outcome.ok, outcome.message
    text = (data_dir / "exports" / "run.jsonl").read_text("utf-8")
    assert '"UserRegistered"' in text
    assert sorted(p.name for p in (data_dir / "exports").iterdir()) == ["run.jsonl"]


def test_a_folder_named_in_the_lab_is_the_only_place(tmp_path: Path) -> None:
    folder = ExportFolder(tmp_path / "visitor-1")
    lab = new_lab()
    lab.exports = folder
    assert execute(lab, "export a.jsonl").ok
    assert (tmp_path / "visitor-1" / "a.jsonl").is_file()
    assert not execute(lab, "export ../a.jsonl").ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["visitor-1"]
