"""Runs in a fresh interpreter for the screen benchmarks: `python -m cqrs_lab.tui.bench_probe`.

    first-frame bare           a bare Textual app (Header, Footer): print when its first
    first-frame lab DB         frame is drawn, then quit; the lab screen started as
                               `cqrs-lab --db DB` starts it (the lab opens after the first
                               frame) also prints when its first frame with the lab is drawn
    frames lab DB SECONDS RATE the lab screen for SECONDS of wall time, with a Poisson load of
                               RATE requests a second (0: idle); print frames and events

Both apps run headless at 120x40. A headless driver writes nothing, so Textual skips
turning each frame into terminal text; the probe does that work itself (the same call a
terminal driver makes), so a frame costs what it costs on screen. Only the standard
library is imported up front: the apps import what they need, as they would when started.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

SIZE = (120, 40)
POLL_HZ = 30.0
PASSWORD_COST = 2**4
"""The load registers a few users a second: at the real scrypt cost (2**14, ~50 ms each
here) hashing alone would take a large share of the CPU the screen is measured on."""


def _count_frames(
    app_type: type[Any], frames: list[float], first: Any = None, each: Any = None
) -> None:
    """Record every frame the app hands to its driver, rendered to terminal text; call
    `first` after the first one, `each` after every one."""
    original = app_type._display

    def display(self: Any, screen: Any, renderable: Any) -> None:
        if renderable is not None and not self._batch_count:
            render = getattr(renderable, "render_segments", None)
            if render is not None:
                render(self.console)
            frames.append(time.perf_counter())
            if first is not None and len(frames) == 1:
                first(self)
            if each is not None:
                each(self)
        original(self, screen, renderable)

    app_type._display = display


def _at_first_frame(app: Any) -> None:
    print(f"first_frame {time.time():.6f}", flush=True)
    app.exit()


def _at_lab_frames(app_type: type[Any]) -> None:
    """Print the first frame, then the first frame drawn with the lab open, then quit."""
    frames: list[float] = []
    ready: list[float] = []

    def each(app: Any) -> None:
        if len(frames) == 1:
            print(f"first_frame {time.time():.6f}", flush=True)
        if app.ready and not ready:  # the first frame with the lab; then quit
            ready.append(time.time())
            print(f"lab_ready {ready[0]:.6f}", flush=True)
            app.exit()

    _count_frames(app_type, frames, each=each)


def first_frame_bare() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Footer()

    _count_frames(App, [], _at_first_frame)
    Bare().run(headless=True, size=SIZE)


def _open_lab(db: str, password_cost: int | None = None) -> Any:
    from cqrs_lab.lab import Lab
    from cqrs_lab.sim.clock import ScaledClock

    if password_cost is None:
        return Lab.open(db, clock=ScaledClock())
    return Lab.open(db, clock=ScaledClock(), password_cost=password_cost)


def first_frame_lab(db: str) -> None:
    from argparse import Namespace

    from textual.app import App

    from cqrs_lab.commands.tui import lab_app

    app = lab_app(Namespace(db=db, seed=None))  # as `cqrs-lab --db DB` makes it
    _at_lab_frames(App)
    app.run(headless=True, size=SIZE)
    if app.return_code:
        raise SystemExit(app.return_code)


def frames_under_load(db: str, seconds: float, rate: float) -> None:
    from textual.app import App
    from textual.pilot import Pilot

    from cqrs_lab.lab.load import LoadRun
    from cqrs_lab.tui.app import LabApp

    lab = _open_lab(db, PASSWORD_COST)
    frames: list[float] = []
    _count_frames(App, frames)
    app = LabApp(lab)

    async def measure(pilot: Pilot[None]) -> None:
        await pilot.pause()
        applied = sum(s.stats.applied for s in lab.subscribers.values())
        head, arrivals = lab.head, 0
        load = LoadRun(lab, rate, seconds + 1) if rate > 0 else None
        if load is not None:
            app.set_interval(1 / POLL_HZ, load.poll, name="bench-load")
        frames.clear()
        began = time.perf_counter()
        await asyncio.sleep(seconds)
        elapsed = time.perf_counter() - began
        drawn = len(frames)
        if load is not None:
            arrivals = load.stop().arrivals
        applied = sum(s.stats.applied for s in lab.subscribers.values()) - applied
        print(f"seconds {elapsed:.6f}")
        print(f"frames {drawn}")
        print(f"arrivals {arrivals}")
        print(f"appended {lab.head - head}")
        print(f"applied {applied}", flush=True)
        app.exit()

    try:
        app.run(headless=True, size=SIZE, auto_pilot=measure)
    finally:
        lab.close()


def main(argv: list[str]) -> None:
    match argv:
        case ["first-frame", "bare"]:
            first_frame_bare()
        case ["first-frame", "lab", db]:
            first_frame_lab(db)
        case ["frames", "lab", db, seconds, rate]:
            frames_under_load(db, float(seconds), float(rate))
        case _:
            raise SystemExit(f"usage: see {__doc__}")


if __name__ == "__main__":
    main(sys.argv[1:])
