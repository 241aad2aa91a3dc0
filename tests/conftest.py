"""Every test gets a user data folder and a config file path of its own: no test reads or
writes the real ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.backends import BACKENDS, database_for

# Property tests are deterministic (the same examples every run) and never fail on a slow
# moment of a shared machine; a test's own @settings still sets its example count.
settings.register_profile("lab", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("lab")


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


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database on each backend, for a lab or a classroom store to open: a SQLite
    file, or a database of its own on the PostgreSQL test server."""
    yield from database_for(request.param, tmp_path)
