"""Every view the lab answers, declared once: the parser, the Lab, the lessons and the
screens read its name, its lane, whether it is asked per user, the other words for it and the
latency its lane starts with from here (a projection of the same name as the lane serves it,
see `registry.py`). This module imports nothing, so any layer may read it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ViewSpec:
    name: str
    """As typed: `query cart alice`."""
    lane: str
    """The lane (bus subscription) and projection that answer it."""
    per_user: bool
    """Asked for one user (`query orders alice`), or for the whole shop."""
    default_latency: str
    """Its lane's latency when a lab starts: short, but visible."""
    words: tuple[str, ...] = ()
    """Other words that name it."""


VIEW_SPECS = (
    ViewSpec("catalog", "catalog", False, "uniform:200ms..600ms"),
    ViewSpec("cart", "carts", True, "exp:400ms", ("carts",)),
    ViewSpec("orders", "orders", True, "uniform:500ms..1200ms"),
    ViewSpec("sales", "sales", False, "lognormal:800ms,0.4"),
)
VIEW_NAMES = tuple(spec.name for spec in VIEW_SPECS)
LANES = tuple(spec.lane for spec in VIEW_SPECS)
"""One lane (bus subscription) per projection, in display order."""
VIEW_LANES = {spec.name: spec.lane for spec in VIEW_SPECS}
USER_VIEWS = tuple(spec.name for spec in VIEW_SPECS if spec.per_user)
VIEW_WORDS = {word: spec.name for spec in VIEW_SPECS for word in (spec.name, *spec.words)}
"""Every word that names a view -> the view."""
USER_VIEW_WORDS = tuple(word for word, view in VIEW_WORDS.items() if view in USER_VIEWS)
DEFAULT_LATENCY = {spec.lane: spec.default_latency for spec in VIEW_SPECS}
