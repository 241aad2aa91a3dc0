"""The Lab façade and what it reports."""

from __future__ import annotations

from cqrs_lab.lab.answers import QueryAnswer
from cqrs_lab.lab.core import Lab
from cqrs_lab.lab.lanes import UnknownLane
from cqrs_lab.lab.outcome import Outcome
from cqrs_lab.lab.rebuilds import RebuildProgress
from cqrs_lab.lab.snapshot import LabSnapshot, LaneState

__all__ = [
    "Lab",
    "LabSnapshot",
    "LaneState",
    "Outcome",
    "QueryAnswer",
    "RebuildProgress",
    "UnknownLane",
]
