"""`cqrs-lab simulate`: a Poisson load in virtual time, measured against simple models."""

from __future__ import annotations

from cqrs_lab.simulate.report import render
from cqrs_lab.simulate.results import SimulationResult
from cqrs_lab.simulate.runner import SimulationConfig, SimulationError, simulate

__all__ = ["SimulationConfig", "SimulationError", "SimulationResult", "render", "simulate"]
