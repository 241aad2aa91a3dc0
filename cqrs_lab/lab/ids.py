"""Command ids from the lab's seed, so a seeded run is the same byte for byte.

The ids sort in the order the lab draws them (`shop/sorted_ids.py`: a seeded start and
step, then 64 random bits), so each lands beside the last in the store's command_id index.
They are drawn from a stream of their own, seeded from the lab's seed: drawing them leaves
the lab's main RNG (latencies, faults, the workload) as it was, so adding a command id
changes no other draw.

Two labs with the same seed on one database (or a second run with the seed on the file an
earlier run left) would draw the same ids, and a command id already recorded means "this
command was handled". So the Lab treats an id it has just drawn for a new command and finds
already recorded as a collision, not a resend: it calls `salt()`, after which ids come from
a stream of this process alone (a new start and step, new random bits), still in order from
there on, and sends the command again under a new id.
"""

from __future__ import annotations

import random
import secrets

from cqrs_lab.shop.sorted_ids import SortedIds


class CommandIds:
    """The lab's source of fresh command ids."""

    def __init__(self, seed: int) -> None:
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        """Start the seed's sequence again (`seed N`, `reset`)."""
        self._seed = seed
        self._draw_from(random.Random(f"command-ids:{seed}"))
        self.salted = False

    def salt(self) -> None:
        """From now on, ids no other lab with this seed draws."""
        if not self.salted:
            self._draw_from(random.Random(f"command-ids:{self._seed}:{secrets.token_hex(16)}"))
            self.salted = True

    def _draw_from(self, rng: random.Random) -> None:
        self._rng = rng
        self._ids = SortedIds(rng)

    def new(self) -> str:
        return self._ids.new(self._rng.getrandbits(64))
