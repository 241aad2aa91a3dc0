"""A query cache in front of each view's read model and in front of its CRUD twin.

`cache VIEW ttl:5s | invalidate | off` (off by default). A cached answer keeps the rows and
the log position they reflect:

- `ttl`: an answer is served from the cache until it is `ttl` lab seconds old, whatever
  happened since. A hit whose source has moved on since is a *stale cache hit*: the cache
  is one more read model, with its own lag.
- `invalidate`: an answer is served only while its source is still where it was: the first
  event the source applies after it (the projection's, or any write for the CRUD twin)
  invalidates it. Never stale, and a hit only between two events.

The cache never reads a table: the Lab asks `lookup` with the position the source has now,
and `keep`s what it read on a miss.
"""

from __future__ import annotations

from dataclasses import dataclass

from cqrs_lab.read.views import ViewRows

Key = tuple[str, str | None, str, int]
"""(view, username, source, page): a cached answer's key."""


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """How a view's answers are cached: off, for `ttl` lab seconds, or until its source moves."""

    kind: str = "off"
    """off, ttl or invalidate."""
    ttl: float = 0.0

    def __str__(self) -> str:
        return f"ttl:{self.ttl:g}s" if self.kind == "ttl" else self.kind


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """A view's rows as the query cache keeps them."""

    rows: ViewRows
    checkpoint: int
    """The log position the rows reflect."""
    stored_at: float


@dataclass(frozen=True, slots=True)
class CacheHit:
    """A cached answer served, with its age."""

    answer: CachedAnswer
    age: float
    stale: bool
    """The source has moved on since: the rows are older than what it would answer."""


class QueryCache:
    def __init__(self) -> None:
        self.policies: dict[str, CachePolicy] = {}
        self.entries: dict[Key, CachedAnswer] = {}

    def policy(self, view: str) -> CachePolicy:
        return self.policies.get(view, CachePolicy())

    def set_policy(self, view: str, policy: CachePolicy) -> None:
        """A new policy starts with an empty cache for that view."""
        self.policies[view] = policy
        for key in [key for key in self.entries if key[0] == view]:
            del self.entries[key]

    def lookup(self, key: Key, now: float, source_position: int) -> CacheHit | None:
        """The cached answer, if the view's policy serves it now."""
        policy = self.policy(key[0])
        if policy.kind == "off":
            return None
        cached = self.entries.get(key)
        if cached is None:
            return None
        expired = policy.kind == "ttl" and now - cached.stored_at >= policy.ttl
        moved_on = policy.kind == "invalidate" and cached.checkpoint != source_position
        if expired or moved_on:  # moved_on: an event reached the source, invalidating it
            self.entries.pop(key, None)
            return None
        return CacheHit(cached, now - cached.stored_at, cached.checkpoint < source_position)

    def keep(self, key: Key, rows: ViewRows, checkpoint: int, now: float) -> None:
        if self.policy(key[0]).kind != "off":
            self.entries[key] = CachedAnswer(rows, checkpoint, now)

    def clear(self) -> None:
        """Forget every answer, and switch every cache off."""
        self.policies.clear()
        self.entries.clear()
