"""The lab's own errors: a line the lab will not run, for a reason the user can act on.

The interpreter turns a `LabError` (and the errors of the layers below: a refused command,
a database problem, a bad latency or fault) into a refused line; anything else is a bug
and raises.
"""

from __future__ import annotations


class LabError(ValueError):
    """A line the lab refuses: the message says why, in words."""


class NothingNamed(LabError):
    """A line names something that does not exist yet (`last` before any order)."""
