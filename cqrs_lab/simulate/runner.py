"""`simulate`: a Poisson load on a fresh lab in virtual time, measured all the way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cqrs_lab.lab.core import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.load import run_load
from cqrs_lab.sim.clock import VirtualClock
from cqrs_lab.simulate.probe import SimulationProbe
from cqrs_lab.simulate.results import Settings, SimulationResult, build_result
from cqrs_lab.store.database import redacted

DEFAULT_PASSWORD_COST = 2**4
"""scrypt cost for the simulated users' passwords: hashing at the real cost (2**14) would
take most of the run, and the simulation is about the bus, not about hashing."""
DEFAULT_SAMPLE_EVERY = 0.1


class SimulationError(ValueError):
    """A setting line the lab refused; the message says which and why."""


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    rate: float
    duration: float
    seed: int | None = None
    lines: tuple[str, ...] = ()  # lab lines run first, e.g. "latency orders exp:800ms"
    db: str = ":memory:"
    password_cost: int = DEFAULT_PASSWORD_COST
    sample_every: float = DEFAULT_SAMPLE_EVERY


def simulate(
    config: SimulationConfig, on_open: Callable[[Lab], None] | None = None
) -> SimulationResult:
    """Run the load in virtual time, as fast as the CPU allows, and measure it;
    `on_open(lab)` is called once the setting lines ran, before the load (the bench
    watches the bus from there)."""
    lab = Lab.open(
        config.db, seed=config.seed, clock=VirtualClock(), password_cost=config.password_cost
    )
    try:
        for line in config.lines:
            outcome = execute(lab, line)
            if not outcome.ok:
                raise SimulationError(f"{line!r}: {outcome.message}")
        if on_open is not None:
            on_open(lab)
        probe = SimulationProbe(lab, config.duration, config.sample_every)
        load = run_load(lab, config.rate, config.duration, observer=probe)
        settings = Settings(
            rate=config.rate,
            duration=config.duration,
            seed=lab.seed,
            db=redacted(config.db),
            password_cost=config.password_cost,
            sample_every=config.sample_every,
            lines=config.lines,
        )
        return build_result(settings, lab, load, probe)
    finally:
        lab.close()
