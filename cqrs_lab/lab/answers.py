"""A query's answer with its freshness: how far the read model is behind, and whether the
asker would notice (a stale read: behind the asker's own last write)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from cqrs_lab.read.views import ViewRows

Source = Literal["projection", "crud"]


@dataclass(frozen=True, slots=True)
class QueryAnswer:
    """One view's rows for one asker, with where they came from and how fresh."""

    view: str
    username: str | None
    source: Source
    rows: ViewRows
    checkpoint: int  # the log position the answer reflects: every event up to it applied
    head: int
    behind_events: int  # events the projection handles that it has not applied yet
    behind_seconds: float
    stale: bool  # behind the asker's own last write
    waited: float = 0.0  # lab seconds spent waiting (--wait)
    timed_out: bool = False
    cpu_seconds: float = 0.0  # real time the database took to answer (varies run to run)
    served_by: str = ""  # a replica's name when a replica answered ("" : the view's own)
    cache_age: float | None = None  # lab seconds: the answer came from the query cache
    stale_cache: bool = False  # from the cache, older than what its source has now
    stalled: str | None = None  # why the view's lane is stalled (a poison event)
    violations: tuple[str, ...] = ()  # session guarantees this answer broke, named

    def freshness(self) -> str:
        """Where the answer came from and how fresh it is, in a few words."""
        parts = [self._source_freshness()]
        if self.served_by:
            parts.append(f"from replica {self.served_by} at #{self.checkpoint}")
        if self.cache_age is not None:
            parts.append(f"from cache, age {self.cache_age:.1f}s")
            if self.stale_cache:
                parts.append("STALE CACHE: its source has moved on")
        if self.stalled:
            parts.append(f"STALLED: {self.stalled}")
        return " | ".join(parts)

    def _source_freshness(self) -> str:
        if self.source == "crud":
            return "CRUD: always current" if self.cache_age is None else "CRUD twin"
        if self.served_by or self.cache_age is not None:  # not the projection's own lag
            return f"as of event #{self.checkpoint}, head #{self.head}"
        if not self.behind_events:
            return f"as of event #{self.checkpoint}, head #{self.head}: caught up"
        return (
            f"as of event #{self.checkpoint}, head #{self.head}: "
            f"{self.behind_events} behind, {self.behind_seconds:.1f}s"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "view": self.view,
            "username": self.username,
            "source": self.source,
            "stale": self.stale,
            "checkpoint": self.checkpoint,
            "head": self.head,
            "behind_events": self.behind_events,
            "behind_seconds": round(self.behind_seconds, 6),
            "waited": round(self.waited, 6),
            "timed_out": self.timed_out,
            "cpu_seconds": self.cpu_seconds,
            **({"served_by": self.served_by} if self.served_by else {}),
            **({"cache_age": round(self.cache_age, 6)} if self.cache_age is not None else {}),
            **({"stale_cache": True} if self.stale_cache else {}),
            **({"stalled": self.stalled} if self.stalled else {}),
            **({"violations": list(self.violations)} if self.violations else {}),
            "columns": list(self.rows.columns),
            "rows": [list(row) for row in self.rows.rows],
            "summary": dict(self.rows.summary),
        }
