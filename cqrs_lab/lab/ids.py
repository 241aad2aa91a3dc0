"""Command ids from the lab's seed, so a seeded run is the same byte for byte.

The ids are uuid4-shaped (32 hex digits) and drawn from a stream of their own, seeded from
the lab's seed: drawing them leaves the lab's main RNG (latencies, faults, the workload)
as it was, so adding a command id changes no other draw.

Two labs with the same seed on one database (or a second run with the seed on the file an
earlier run left) would draw the same ids, and a command id already recorded means "this
command was handled". So the Lab treats an id it has just drawn for a new command and finds
already recorded as a collision, not a resend: it calls `salt()`, after which ids mix in
randomness of this process alone, and sends the command again under a new id.
"""

from __future__ import annotations

import random
import secrets
import uuid


class CommandIds:
    """The lab's source of fresh command ids."""

    def __init__(self, seed: int) -> None:
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        """Start the seed's sequence again (`seed N`, `reset`)."""
        self._seed = seed
        self._rng = random.Random(f"command-ids:{seed}")
        self.salted = False

    def salt(self) -> None:
        """From now on, ids no other lab with this seed draws."""
        if not self.salted:
            self._rng = random.Random(f"command-ids:{self._seed}:{secrets.token_hex(16)}")
            self.salted = True

    def new(self) -> str:
        return uuid.UUID(int=self._rng.getrandbits(128), version=4).hex
