"""The lab's starting settings: visible lag on every lane, so a newcomer sees it at once."""

from __future__ import annotations

DEFAULT_LATENCY = {
    "catalog": "uniform:200ms..600ms",
    "carts": "exp:400ms",
    "orders": "uniform:500ms..1200ms",
    "sales": "lognormal:800ms,0.4",
}
WAIT_TIMEOUT = 10.0  # lab seconds a `query --wait` waits at most
SESSION = "you"  # the asker of queries that name no user (catalog, sales)
RECENT_EVENTS = 500  # how many recent events the lab keeps for the screen
