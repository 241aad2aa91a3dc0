"""Runs in a fresh interpreter for the screen benchmarks: `python -m cqrs_lab.tui.bench_probe`.

    first-frame bare           a bare Textual app (Header, Footer): print when its first
    first-frame lab DB         frame is drawn, then quit; the lab screen started as
                               `cqrs-lab --db DB` starts it (the lab opens after the first
                               frame) also prints when its first frame with the lab is drawn
    frames lab DB SECONDS RATE the lab screen with `load RATE/s for SECONDS` typed into its
                               bar, a key typed every 0.1 s meanwhile: print frames drawn
                               over SECONDS of wall time, events, each key's time to the
                               screen (p50, p95) and the load's wall time. A RATE above
                               what a line may ask (1000/s) starts the load the line
                               starts (`LabScreen.start_load`), at that rate

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
KEY_GAP = 0.1
"""Wall seconds between two keys typed while a load runs (a quick typist)."""
LOAD_PATIENCE = 3.0
"""A load that has not ended after this many times its duration is stopped (and reported
as slow as it was)."""


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


def _open_lab(db: str) -> Any:
    """The lab as the app opens it: on the wall clock, passwords at their real cost."""
    from cqrs_lab.lab import Lab
    from cqrs_lab.sim.clock import ScaledClock

    return Lab.open(db, clock=ScaledClock())


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
    """Type `load RATE/s for SECONDS` into the lab screen's bar, as a learner would (the
    lab at its real password cost), then type a key every KEY_GAP seconds while it runs:
    frames drawn, each key's time to the screen, and how long the load took in wall time."""
    from textual.app import App
    from textual.pilot import Pilot

    from cqrs_lab.script.control_lines import MAX_LOAD_RATE
    from cqrs_lab.tui.app import LabApp
    from cqrs_lab.tui.runner import LoadJob

    lab = _open_lab(db)
    frames: list[float] = []
    keys = KeyEcho()
    _count_frames(App, frames, each=keys.seen)
    app = LabApp(lab)

    async def measure(pilot: Pilot[None]) -> None:
        await pilot.pause()
        applied = sum(s.stats.applied for s in lab.subscribers.values())
        head = lab.head
        if rate <= MAX_LOAD_RATE:
            await pilot.press(*f"load {rate:.4g}/s for {seconds:g}s", "enter")
        else:  # more than a line may ask: the load that line would start, at this rate
            app.main.start_load(rate, seconds)
        job = app.main.runner.jobs["load"]
        assert isinstance(job, LoadJob)
        frames.clear()
        began = time.perf_counter()
        keys.start(app)
        while (elapsed := time.perf_counter() - began) < seconds:
            keys.press(app)
            await asyncio.sleep(KEY_GAP)
        drawn = len(frames)
        appended, applied = lab.head - head, _applied(lab) - applied
        while not job.run.done and time.perf_counter() - began < LOAD_PATIENCE * seconds:
            await asyncio.sleep(0.01)
        load_wall = time.perf_counter() - began
        if not job.run.done:
            await pilot.press("ctrl+x")
        latencies = sorted(keys.latencies)
        print(f"seconds {elapsed:.6f}")
        print(f"frames {drawn}")
        print(f"arrivals {job.run.report.arrivals}")
        print(f"load_wall {load_wall:.6f}")
        print(f"appended {appended}")
        print(f"applied {applied}")
        print(f"keys {len(latencies)}")
        print(f"key_p50 {_quantile(latencies, 0.5):.6f}")
        print(f"key_p95 {_quantile(latencies, 0.95):.6f}", flush=True)
        app.exit()

    try:
        app.run(headless=True, size=SIZE, auto_pilot=measure)
    finally:
        lab.close()


class KeyEcho:
    """Keys sent to the app as its terminal driver sends them, and when each one's character
    was first on a frame (in the command bar)."""

    def __init__(self) -> None:
        self.sent: list[float] = []
        self.latencies: list[float] = []
        self._shown_before = 0

    def start(self, app: Any) -> None:
        self._shown_before = len(app.bar.input.value)

    def press(self, app: Any) -> None:
        from textual import events

        key = events.Key("k", "k")
        key.set_sender(app)
        self.sent.append(time.perf_counter())
        app._driver.send_message(key)

    def seen(self, app: Any) -> None:
        """A frame is on the screen: the keys whose characters it shows are echoed."""
        if not self.sent or not app.ready:
            return
        shown = len(app.bar.input.value) - self._shown_before
        now = time.perf_counter()
        while len(self.latencies) < min(shown, len(self.sent)):
            self.latencies.append(now - self.sent[len(self.latencies)])


def _applied(lab: Any) -> int:
    return sum(s.stats.applied for s in lab.subscribers.values())


def _quantile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


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
