"""`python -m cqrs_lab.tui.screenshot [FILE]`: the README's picture of the lab screen.

A seeded lab in memory, paused, with an order in flight on the orders lane: the orders
projection is stale while its CRUD twin already shows the order. `make screenshot` runs it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from cqrs_lab.lab import Lab
from cqrs_lab.sim.clock import ScaledClock
from cqrs_lab.tui.app import LabApp

SIZE = (120, 40)
DEMO = (
    "pause",
    "register alice alice@example.com s3cret-pass",
    'add-product mug "Blue mug" 12.50 10',
    'add-product tea "Green tea" 4.20 50',
    "add-to-cart alice mug 2",
    "add-to-cart alice tea 1",
    "latency orders fixed:2s",
    "place-order alice",
    "advance 1s",
)
"""The lines played before the picture is taken."""


def demo_lab() -> Lab:
    """A throwaway lab whose clock moves only when told (the picture never depends on when
    it was taken); a cheap password hash, since nobody will log in."""
    return Lab.open(":memory:", seed=7, clock=ScaledClock(wall=lambda: 0.0), password_cost=2)


def take_screenshot(path: Path) -> None:
    lab = demo_lab()
    app = LabApp(lab, refresh_hz=0)

    async def play(pilot: Pilot[str]) -> None:
        for field in app.query(Input):
            field.cursor_blink = False
        for line in DEMO:
            app.main.run_line(line)
        await pilot.pause()
        app.exit(app.export_screenshot(title="CQRS Lab"))

    try:
        svg = app.run(headless=True, size=SIZE, auto_pilot=play)  # type: ignore[arg-type]
    finally:
        lab.close()
    if svg is None:
        raise SystemExit("cqrs-lab screenshot: the app ended without a picture")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(svg, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Save an SVG picture of the lab screen.")
    parser.add_argument("file", type=Path, nargs="?", default=Path("assets/lab.svg"))
    args = parser.parse_args(argv)
    take_screenshot(args.file)
    print(f"saved {args.file}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
