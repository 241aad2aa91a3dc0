"""The types of the names a lab line gives: a lane, a view. The names themselves are declared
once, in `read/view_specs.py`, and the parser checks a line's names against it, so these are
plain strings here: a new view needs no edit in the script language."""

from __future__ import annotations

from typing import TypeAlias

Lane: TypeAlias = str
"""A lane of `view_specs.LANES`, or `all` (`LANE_ALL`) where a line may name every lane."""
View: TypeAlias = str
"""A view of `view_specs.VIEW_NAMES`."""
