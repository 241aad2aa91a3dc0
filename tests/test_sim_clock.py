from __future__ import annotations

import pytest

from cqrs_lab.sim import ScaledClock, VirtualClock


class FakeWall:
    """A wall clock that moves only when the test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t


def test_virtual_clock_moves_only_when_advanced() -> None:
    clock = VirtualClock()
    assert clock.now() == 0.0
    clock.advance(1.5)
    clock.advance_to(4.0)
    assert clock.now() == 4.0


def test_virtual_clock_never_goes_backwards() -> None:
    clock = VirtualClock(start=10.0)
    clock.advance_to(3.0)
    assert clock.now() == 10.0
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1.0)


def test_scaled_clock_follows_the_wall_at_its_speed() -> None:
    wall = FakeWall()
    clock = ScaledClock(speed=0.5, wall=wall)
    assert clock.now() == 0.0
    wall.t += 4
    assert clock.now() == 2.0


def test_changing_speed_keeps_lab_time_continuous() -> None:
    wall = FakeWall()
    clock = ScaledClock(wall=wall)
    wall.t += 1
    clock.speed = 2.0
    assert clock.now() == 1.0
    wall.t += 1
    assert clock.now() == 3.0
    clock.speed = 0.25
    assert clock.now() == 3.0
    wall.t += 4
    assert clock.now() == 4.0
    assert clock.speed == 0.25


def test_pause_freezes_lab_time_and_resume_continues_from_there() -> None:
    wall = FakeWall()
    clock = ScaledClock(speed=2.0, wall=wall)
    wall.t += 1
    clock.pause()
    assert clock.paused
    wall.t += 100
    assert clock.now() == 2.0
    clock.pause()  # pausing twice changes nothing
    clock.resume()
    assert not clock.paused
    assert clock.now() == 2.0
    wall.t += 1
    assert clock.now() == 4.0
    clock.resume()  # resuming a running clock changes nothing
    assert clock.now() == 4.0


def test_speed_change_while_paused_applies_after_resume() -> None:
    wall = FakeWall()
    clock = ScaledClock(wall=wall)
    clock.pause()
    clock.speed = 3.0
    wall.t += 10
    assert clock.now() == 0.0
    clock.resume()
    wall.t += 1
    assert clock.now() == 3.0


def test_scaled_clock_jumps_forward_running_or_paused() -> None:
    wall = FakeWall()
    clock = ScaledClock(speed=2.0, wall=wall)
    clock.advance_to(10.0)
    assert clock.now() == 10.0
    wall.t += 0.5
    assert clock.now() == 11.0
    clock.advance_to(5.0)
    assert clock.now() == 11.0
    clock.pause()
    clock.advance(2.0)
    assert clock.now() == 13.0
    assert clock.paused
    wall.t += 5
    assert clock.now() == 13.0


@pytest.mark.parametrize("speed", [0.0, -1.0, float("inf"), float("nan")])
def test_speed_must_be_positive(speed: float) -> None:
    with pytest.raises(ValueError, match="speed"):
        ScaledClock(speed=speed, wall=FakeWall())
    clock = ScaledClock(wall=FakeWall())
    with pytest.raises(ValueError, match="speed"):
        clock.speed = speed
