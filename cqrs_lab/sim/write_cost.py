"""What a write costs in lab time: the lab's model of a command's transaction.

Commands run at once on the virtual clock, and their real (CPU) time differs from run to
run, so neither can show that an inline projection slows the write. This model can: a
command's transaction costs a fixed part (begin, version check, commit), a part per event
appended, and a part per event each inline projection applies inside the same transaction.
The figures are small and realistic for one database round trip and a few row writes; they
are recorded (`metrics.command_seconds`), not waited for: the clock does not move.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WriteCost:
    transaction: float = 0.004
    """Seconds for begin, the version check and the commit."""
    per_event: float = 0.001
    """Seconds for each event appended to the store."""
    per_inline_event: float = 0.008
    """Seconds for each event an inline projection applies (rows read and written) in the
    command's transaction."""

    def seconds(self, events: int, inline_applied: int) -> float:
        """The lab-time cost of a command that appended `events` events, of which inline
        projections applied `inline_applied` (one count per projection and event)."""
        return self.transaction + self.per_event * events + self.per_inline_event * inline_applied


WRITE_COST = WriteCost()
