"""Fixtures for the screen's tests: a lab in memory on a clock only the test moves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cqrs_lab.lab import Lab
from cqrs_lab.sim.clock import ScaledClock


class FakeWall:
    """A wall clock that stands still until the test moves it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def wall() -> FakeWall:
    return FakeWall()


@pytest.fixture
def lab(wall: FakeWall) -> Iterator[Lab]:
    lab = Lab.open(":memory:", seed=7, clock=ScaledClock(wall=wall), password_cost=2)
    yield lab
    lab.close()
