"""The lab clock's speeds on the screen, named once: the steps F7 and F8 move through, and
the few the palette offers by name."""

from __future__ import annotations

SPEEDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 20.0)
"""The speeds F7 (slower) and F8 (faster) step through."""
PALETTE_SPEEDS = tuple(speed for speed in SPEEDS if 0.25 <= speed <= 4.0)
"""The speeds the command palette lists."""
