"""The naive CRUD model: the same shop in normalized tables, updated in place, always current.

It sits beside the projections so a learner can compare: no lag, but every read is a join
(its queries answer in the views' shape, so they live on the read side:
`read/crud_queries.py`).
"""

from __future__ import annotations

from cqrs_lab.crud.twin import CrudTwin

__all__ = ["CrudTwin"]
