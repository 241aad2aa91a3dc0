"""Every test gets a user data folder and a config file path of its own: no test reads or
writes the real ones."""

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


@pytest.fixture(autouse=True)
def no_user_settings(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads the user's config file or extra lesson folders ($CQRS_LAB_LESSONS): the
    lessons are the shipped course unless a test names more."""
    monkeypatch.setenv("CQRS_LAB_CONFIG", str(tmp_path_factory.mktemp("config") / "config.toml"))
    monkeypatch.delenv("CQRS_LAB_LESSONS", raising=False)
