"""The lab's starting settings (each lane's starting latency is its view's, in
`read/view_specs.py`)."""

from __future__ import annotations

WAIT_TIMEOUT = 10.0  # lab seconds a `query --wait` waits at most
SESSION = "you"  # the asker of queries that name no user (catalog, sales)
RECENT_EVENTS = 500  # how many recent events the lab keeps for the screen
