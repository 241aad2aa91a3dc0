"""Every test gets a user data folder of its own: no test reads or writes the real one."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test's $CQRS_LAB_DATA_DIR (lab file, lesson progress, `exports/`), also seen by
    the `cqrs-lab` processes a test starts."""
    folder = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("CQRS_LAB_DATA_DIR", str(folder))
    return folder
