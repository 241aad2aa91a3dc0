"""The shared shop as the projector shows it: the instructor's own lab on the classroom's
database, watching.

In a shared-shop classroom every attendee's lab appends to one store. A lab of the
instructor's own on that store appends nothing: each tick it picks up what everyone appended
(`Lab.poll_store`) and sends it down its lanes, so its bus is the room's bus, every
attendee's events in flight together. It is opened as a visitor's is (reset and rebuild are
refused), and its picture is the one an attendee's lab sends when watched.
"""

from __future__ import annotations

from typing import Any

from cqrs_lab.classroom.picture import lab_picture
from cqrs_lab.lab import Lab
from cqrs_lab.sim.clock import Clock, ScaledClock


class ShopWatch:
    def __init__(self, db: str, *, clock: Clock | None = None, seed: int | None = None) -> None:
        """On the classroom's database `db`; `clock` is real time unless given (tests give
        a virtual one, so what is in flight stays put)."""
        self.lab = Lab.open(db, clock=clock or ScaledClock(), seed=seed, visitor=True)

    def picture(self) -> dict[str, Any]:
        """Deliver what fell due, pick up what everyone appended: the bus as it is now."""
        self.lab.tick()
        return lab_picture(self.lab)

    def close(self) -> None:
        self.lab.close()
