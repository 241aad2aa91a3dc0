"""A disk that fills up: one clear message, nothing half-written, everything readable and
consistent once space is freed.

The lab database lives on a tmpfs of a few hundred KiB that this test mounts (root only:
CI runs as root; elsewhere the test skips, saying why). A load fills it; then the tmpfs is
grown, `cqrs-lab check` audits the lab, and a reopened lab reads and writes again.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.robust_helpers import child_env, cqrs_lab_command

SCRIPT = """
register alice alice@example.com s3cret-pass
add-product mug "Blue mug" 12.50 100000
load 100/s for 60s
query catalog
"""


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        reason = f"cannot mount a tmpfs here: {mounted.stderr.strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def lab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cqrs_lab_command(*args), capture_output=True, text=True, env=child_env(), timeout=300
    )


def test_a_full_disk_is_one_message_and_loses_nothing(small_disk: Path, tmp_path: Path) -> None:
    (tmp_path / "fill.lab").write_text(SCRIPT, "utf-8")
    db = small_disk / "lab.db"
    filled = lab("run", str(tmp_path / "fill.lab"), "--db", str(db))
    said = filled.stdout + filled.stderr
    assert "Traceback" not in said
    assert said.count("is full: what you just did was not saved") == 1, said[-2000:]
    assert "Free some space" in said

    subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)
    audited = lab("check", "--db", str(db))
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert "✓ everything agrees" in audited.stdout

    (tmp_path / "again.lab").write_text("restock mug 5\nsettle\nquery catalog --wait\n", "utf-8")
    again = lab("run", str(tmp_path / "again.lab"), "--db", str(db))
    assert again.returncode == 0, again.stderr
    assert "ok restock" in again.stdout and "STALE" not in again.stdout
    assert lab("check", "--db", str(db)).returncode == 0
