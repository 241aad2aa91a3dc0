"""Lab clocks: one per Lab, read by the bus and everything that timestamps.

`VirtualClock` moves only when told to (tests, scripts, `simulate`), so thousands of lab
seconds pass in an instant. `ScaledClock` follows the wall clock at a chosen speed and can be
paused (the TUI). Both can jump forward, which is how `step` and `advance` work.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    """Lab time in seconds. It never goes backwards."""

    def now(self) -> float: ...

    def advance_to(self, t: float) -> None:
        """Jump forward to lab time `t`; a no-op if `t` is not in the future."""
        ...

    def advance(self, dt: float) -> None:
        """Jump forward by `dt` lab seconds (`dt` >= 0)."""
        ...


def _check_step(dt: float) -> None:
    if not dt >= 0:
        raise ValueError(f"a clock cannot go backwards (advance by {dt!r})")


class VirtualClock:
    """A clock whose time moves only when advanced."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def advance_to(self, t: float) -> None:
        if t > self._now:
            self._now = float(t)

    def advance(self, dt: float) -> None:
        _check_step(dt)
        self.advance_to(self._now + dt)

    def __repr__(self) -> str:
        return f"VirtualClock(now={self._now!r})"


class ScaledClock:
    """Wall time scaled by `speed`, starting at lab time 0; can pause and jump forward.

    Lab time is `accumulated + (wall() - anchor) * speed` while running and `accumulated`
    while paused. Every change of speed or state re-anchors first, so lab time is
    continuous: it never jumps except through `advance_to`/`advance`.
    """

    def __init__(self, speed: float = 1.0, wall: Callable[[], float] = time.monotonic) -> None:
        _check_speed(speed)
        self._wall = wall
        self._speed = float(speed)
        self._accumulated = 0.0
        self._anchor = wall()
        self._paused = False

    def now(self) -> float:
        if self._paused:
            return self._accumulated
        return self._accumulated + (self._wall() - self._anchor) * self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, speed: float) -> None:
        _check_speed(speed)
        self._reanchor()
        self._speed = float(speed)

    def pause(self) -> None:
        if not self._paused:
            self._reanchor()
            self._paused = True

    def resume(self) -> None:
        if self._paused:
            self._anchor = self._wall()
            self._paused = False

    def advance_to(self, t: float) -> None:
        if t > self.now():
            self._accumulated = float(t)
            self._anchor = self._wall()

    def advance(self, dt: float) -> None:
        _check_step(dt)
        self.advance_to(self.now() + dt)

    def _reanchor(self) -> None:
        self._accumulated = self.now()
        self._anchor = self._wall()

    def __repr__(self) -> str:
        state = "paused" if self._paused else "running"
        return f"ScaledClock(now={self.now()!r}, speed={self._speed!r}, {state})"


def _check_speed(speed: float) -> None:
    if not 0 < speed < float("inf"):
        raise ValueError(f"speed must be a positive number, got {speed!r} (use pause to stop)")
